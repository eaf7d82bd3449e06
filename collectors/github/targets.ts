import type { GitHubConfig } from '../../server/config/app-config.ts'
import { type BatchTask, FieldError, type GraphQLBatcher } from './graphql-batch.ts'
import { productionMatcher, serviceOf } from './mappers.ts'
import { type GqlRepoState, ownerReposField, repoField, repoStateFields } from './queries.ts'

/** A repository the collect works on, with what GitHub said about it at the start. */
export interface RepoTarget {
  /** repository.id once stored (0 before). */
  id: number
  nodeId: string
  owner: string
  name: string
  /** As GitHub spells it. */
  fullName: string
  defaultBranch: string
  archived: boolean
  topics: string[]
  url: string | null
  createdAt: string | null
  /** The default branch's head commit, null for an empty repository. */
  head: string | null
  state: GqlRepoState
  service: string
  isProduction: (environment: string | null | undefined) => boolean
}

/** A configured pattern that could not be resolved, with why. */
export interface TargetError {
  scope: string
  error: Error
}

const REPO_LIST_COST = 1

function toTarget(s: GqlRepoState, gh: GitHubConfig): RepoTarget {
  return {
    id: 0,
    nodeId: s.id,
    owner: s.owner.login,
    name: s.name,
    fullName: s.nameWithOwner,
    defaultBranch: s.defaultBranchRef?.name ?? 'main',
    archived: s.isArchived,
    topics: (s.repositoryTopics?.nodes ?? []).filter((t): t is { topic: { name: string } } => !!t).map((t) => t.topic.name),
    url: s.url,
    createdAt: s.createdAt,
    head: s.defaultBranchRef?.target?.oid ?? null,
    state: s,
    service: serviceOf(s.nameWithOwner, gh.services),
    isProduction: productionMatcher(gh.production),
  }
}

/**
 * Resolves `sources.github.repos` (owner/name, or owner/* for every repository of an
 * organisation or user) into repositories with their current state, in as few GraphQL requests
 * as the listing allows (up to 50 repositories each, fewer after a 502). Archived ones are kept
 * (flagged) so the caller can record them; unknown patterns come back as errors.
 */
export async function resolveTargets(batcher: GraphQLBatcher, gh: GitHubConfig): Promise<{ targets: RepoTarget[]; errors: TargetError[] }> {
  const adoptionFile = gh.adoption && 'file' in gh.adoption ? gh.adoption.file : null
  const found = new Map<string, RepoTarget>()
  const errors: TargetError[] = []
  const tasks: BatchTask[] = []
  for (const pattern of new Set(gh.repos)) {
    const [owner, name] = pattern.split('/') as [string, string]
    if (name === '*') {
      let cursor: string | null = null
      let done = false
      // An organisation first; a user account when no organisation has that login.
      let kind: 'organization' | 'user' = 'organization'
      const missing = () => {
        if (kind === 'organization' && cursor === null) {
          kind = 'user'
          return false
        }
        done = true
        errors.push({ scope: pattern, error: new Error(`no organisation or user ${owner} visible to this token`) })
        return true
      }
      tasks.push({
        id: `${pattern}:repositories`,
        nextPart: (pageSize) => (done ? null : { field: ownerReposField(kind, owner, Math.min(100, pageSize), cursor, adoptionFile), cost: Math.min(100, pageSize) * REPO_LIST_COST }),
        async handle(data) {
          const repos = (data as { repositories?: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: (GqlRepoState | null)[] } } | null)?.repositories
          if (!repos) {
            missing()
            return
          }
          for (const r of repos.nodes) if (r) found.set(r.nameWithOwner.toLowerCase(), toTarget(r, gh))
          cursor = repos.pageInfo.endCursor
          done = !repos.pageInfo.hasNextPage || !cursor
        },
        fail(error) {
          if (error instanceof FieldError && error.type === 'NOT_FOUND') {
            missing()
            return
          }
          done = true
          errors.push({ scope: pattern, error })
        },
      })
    } else {
      let done = false
      tasks.push({
        id: `${pattern}:repositories`,
        nextPart: () => (done ? null : { field: repoField(owner, name, repoStateFields(adoptionFile)), cost: REPO_LIST_COST }),
        async handle(data) {
          done = true
          const r = data as GqlRepoState | null
          if (!r) errors.push({ scope: pattern, error: new Error('repository not found or not visible to this token') })
          else found.set(r.nameWithOwner.toLowerCase(), toTarget(r, gh))
        },
        fail(error) {
          done = true
          errors.push({ scope: pattern, error: error instanceof FieldError && error.type === 'NOT_FOUND' ? new Error(`repository not found or not visible to this token (${error.message})`) : error })
        },
      })
    }
  }
  await batcher.run(tasks)
  const targets = [...found.values()].sort((a, b) => a.fullName.localeCompare(b.fullName))
  return { targets, errors }
}
