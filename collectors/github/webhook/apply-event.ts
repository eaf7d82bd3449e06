import type { Kysely } from 'kysely'
import type { AppConfig, GitHubConfig } from '../../../server/config/app-config.ts'
import type { Database } from '../../../server/db/schema.ts'
import { upsertRepositories } from '../../shared/store/repositories.ts'
import { upsertPullRequests } from '../../shared/store/pull-requests.ts'
import { upsertWorkflowRuns } from '../../shared/store/workflow-runs.ts'
import { upsertVulnerabilityAlerts } from '../../shared/store/vulnerability-alerts.ts'
import { inTransaction } from '../../shared/transaction.ts'
import { applyDeploymentSource } from '../deployment-source.ts'
import { storeDeployments } from '../deployments.sync.ts'
import { issueLabels, storeIssues } from '../issues.sync.ts'
import { type GqlDeployment, type GqlPullRequest, type RestAlert, type RestRun, SOURCE, hasAnyLabel, isBot, mapAlert, mapPullRequest, mapWorkflowRun, productionMatcher, serviceOf } from '../mappers.ts'
import type { RepoTarget } from '../targets.ts'


export interface AppliedEvent {
  /** false: an event or action Meridian does not store. */
  applied: boolean
  rows: number
  /** The repository row touched, for attribution. */
  repoId: number | null
  /** Whether attribution should run for the repository (deployments, merges, incidents changed). */
  attribution: boolean
  reason?: string
}

const iso = (v: unknown): string | null => (typeof v === 'number' ? new Date(v * 1000).toISOString() : typeof v === 'string' ? v : null)

/** The repository row from a webhook's `repository` object; topics only when the payload carries them. */
function repositoryRow(r: any) {
  return {
    source: SOURCE,
    external_id: String(r.node_id),
    owner: String(r.owner?.login ?? String(r.full_name).split('/')[0]),
    name: String(r.name),
    full_name: String(r.full_name),
    default_branch: String(r.default_branch ?? 'main'),
    archived: Boolean(r.archived),
    ...(Array.isArray(r.topics) && { topics: r.topics.map(String) }),
    url: r.html_url ?? null,
    created_at: iso(r.created_at),
  }
}

/** Just enough of a RepoTarget for the polling code's store functions. */
function target(id: number, r: any, gh: GitHubConfig): RepoTarget {
  return {
    id,
    nodeId: String(r.node_id),
    owner: String(r.owner?.login ?? ''),
    name: String(r.name),
    fullName: String(r.full_name),
    defaultBranch: String(r.default_branch ?? 'main'),
    archived: Boolean(r.archived),
    topics: Array.isArray(r.topics) ? r.topics : [],
    url: r.html_url ?? null,
    createdAt: iso(r.created_at),
    head: null,
    state: {} as RepoTarget['state'],
    service: serviceOf(String(r.full_name), gh.services),
    isProduction: productionMatcher(gh.production),
  }
}

const actor = (u: any) => (u?.login ? { login: String(u.login), type: u.type ? String(u.type) : undefined } : null)

function deploymentNode(d: any, status: any | null): GqlDeployment {
  return {
    id: String(d.node_id),
    commitOid: String(d.sha),
    environment: d.environment ?? null,
    createdAt: String(d.created_at),
    updatedAt: d.updated_at ?? undefined,
    ref: d.ref ? { name: String(d.ref) } : null,
    creator: actor(d.creator),
    statuses: {
      nodes: status
        ? [{ id: String(status.node_id), state: String(status.state), createdAt: String(status.created_at), description: status.description ?? null, logUrl: status.log_url ?? status.target_url ?? null }]
        : [],
    },
  }
}

function pullRequestNode(p: any): GqlPullRequest {
  return {
    id: String(p.node_id),
    number: Number(p.number),
    title: String(p.title),
    body: p.body ?? null,
    url: p.html_url ?? null,
    state: p.merged_at ? 'MERGED' : p.state === 'open' ? 'OPEN' : 'CLOSED',
    createdAt: String(p.created_at),
    updatedAt: String(p.updated_at),
    mergedAt: p.merged_at ?? null,
    closedAt: p.closed_at ?? null,
    baseRefName: String(p.base?.ref ?? ''),
    additions: typeof p.additions === 'number' ? p.additions : null,
    deletions: typeof p.deletions === 'number' ? p.deletions : null,
    author: actor(p.user),
    mergeCommit: p.merge_commit_sha ? { oid: String(p.merge_commit_sha) } : null,
    labels: { nodes: (p.labels ?? []).map((l: any) => ({ name: String(l.name) })) },
    commits: null,
    reviews: null,
  }
}

/**
 * Stores one GitHub webhook event through the same upserts and mappers as polling:
 * `deployment`, `deployment_status` (each status kept as seen), `workflow_run`, `pull_request`,
 * `pull_request_review`, `issues` (incident issues too) and `dependabot_alert`. A payload carries
 * less than the collector reads (a PR's first commit, its reviews): what the payload lacks is
 * kept from the stored row, and the next poll completes it.
 */
export async function applyGitHubEvent(db: Kysely<Database>, config: AppConfig, event: string, payload: any): Promise<AppliedEvent> {
  const gh = config.sources.github
  const none = (reason: string): AppliedEvent => ({ applied: false, rows: 0, repoId: null, attribution: false, reason })
  if (!gh) return none('GitHub is not configured')
  const r = payload?.repository
  if (!r?.node_id || !r.full_name) return none('no repository in the payload')

  return inTransaction(db, async (trx) => {
    const repoIds = await upsertRepositories(trx, [repositoryRow(r)])
    const repoId = [...repoIds.values()][0]!
    const repo = target(repoId, r, gh)
    const done = (rows: number, attribution: boolean): AppliedEvent => ({ applied: true, rows, repoId, attribution })

    switch (event) {
      case 'deployment':
        return done(await storeDeployments(trx, repo, [deploymentNode(payload.deployment, null)]), false)
      case 'deployment_status': {
        const rows = await storeDeployments(trx, repo, [deploymentNode(payload.deployment, payload.deployment_status)])
        await applyDeploymentSource(trx, gh, repo)
        return done(rows, true)
      }
      case 'workflow_run': {
        const run = payload.workflow_run as RestRun
        await upsertWorkflowRuns(trx, [{ ...mapWorkflowRun(run), repo_id: repoId }])
        await applyDeploymentSource(trx, gh, repo)
        return done(1, run.status === 'completed')
      }
      case 'pull_request': {
        const row = { ...mapPullRequest(pullRequestNode(payload.pull_request), repo.fullName), repo_id: repoId }
        const stored = await trx
          .selectFrom('pull_request')
          .select(['first_commit_at', 'first_review_at', 'first_reviewer'])
          .where('source', '=', SOURCE)
          .where('external_id', '=', row.external_id)
          .executeTakeFirst()
        if (stored) {
          row.first_commit_at = stored.first_commit_at ?? row.first_commit_at
          row.first_review_at = stored.first_review_at
          row.first_reviewer = stored.first_reviewer
        }
        await upsertPullRequests(trx, [row])
        return done(1, Boolean(payload.pull_request?.merged_at))
      }
      case 'pull_request_review': {
        const review = payload.review
        const pr = payload.pull_request
        const at = review?.submitted_at
        // The first review by someone other than the author, and not a bot; pending reviews have no time.
        if (!at || String(review.state).toUpperCase() === 'PENDING' || isBot(actor(review.user)) || review.user?.login === pr?.user?.login) {
          return { ...done(0, false), applied: false, reason: 'not a qualifying review' }
        }
        const updated = await trx
          .updateTable('pull_request')
          .set({ first_review_at: at, first_reviewer: String(review.user.login) })
          .where('source', '=', SOURCE)
          .where('external_id', '=', String(pr.node_id))
          .where((eb) => eb.or([eb('first_review_at', 'is', null), eb('first_review_at', '>', new Date(at))]))
          .executeTakeFirst()
        return done(Number(updated.numUpdatedRows), false)
      }
      case 'issues': {
        const i = payload.issue
        if (i?.pull_request) return { ...done(0, false), applied: false, reason: 'a pull request, not an issue' }
        const labels: string[] = (i.labels ?? []).map((l: any) => String(l.name))
        const known = await trx.selectFrom('issue').select('id').where('source', '=', SOURCE).where('external_id', '=', String(i.node_id)).executeTakeFirst()
        const tracked = hasAnyLabel(labels, issueLabels(gh.labels)) || hasAnyLabel(labels, gh.labels.escaped) || i.milestone
        if (!known && !tracked) return { ...done(0, false), applied: false, reason: 'no configured label' }
        if (payload.action === 'deleted') {
          await trx.deleteFrom('incident').where('source', '=', SOURCE).where('external_id', '=', String(i.node_id)).execute()
          await trx.deleteFrom('issue').where('source', '=', SOURCE).where('external_id', '=', String(i.node_id)).execute()
          return done(1, true)
        }
        const rows = await storeIssues(trx, { repo, labels: gh.labels, teams: config.teams }, [
          {
            nodeId: String(i.node_id),
            number: Number(i.number),
            title: String(i.title),
            body: i.body ?? null,
            state: i.state === 'closed' ? 'closed' : 'open',
            author: i.user?.login ?? null,
            labels,
            milestone: i.milestone?.node_id ?? null,
            createdAt: String(i.created_at),
            updatedAt: String(i.updated_at),
            closedAt: i.closed_at ?? null,
            url: i.html_url ?? null,
          },
        ])
        return done(rows, hasAnyLabel(labels, gh.labels.incident))
      }
      case 'dependabot_alert':
        await upsertVulnerabilityAlerts(trx, [{ ...mapAlert(payload.alert as RestAlert, repo.fullName), repo_id: repoId }])
        return done(1, false)
      default:
        return { ...done(0, false), applied: false, reason: `event ${event} is not stored` }
    }
  })
}
