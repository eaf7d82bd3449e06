import { gqlString } from './graphql-batch.ts'

/** How many reviews each PR brings in its page; more are read only when none of these qualifies. */
export const REVIEWS_PER_PR = 10

/** The fragments the collector's queries spread. */
export const FRAGMENTS: Record<string, string> = {
  PageInfo: `fragment PageInfo on PageInfo { hasNextPage endCursor }`,
  ActorFields: `fragment ActorFields on Actor { __typename login }`,
  Review: `fragment Review on PullRequestReview { state submittedAt author { ...ActorFields } }`,
  PR: `fragment PR on PullRequest {
  id number title body url state createdAt updatedAt mergedAt closedAt baseRefName additions deletions
  author { ...ActorFields }
  mergeCommit { oid }
  labels(first: 20) { nodes { name } }
  commits(first: 1) { nodes { commit { authoredDate } } }
  reviews(first: ${REVIEWS_PER_PR}) { nodes { ...Review } pageInfo { ...PageInfo } }
}`,
  DeploymentStatus: `fragment DeploymentStatus on DeploymentStatus { id state createdAt description logUrl }`,
  Deployment: `fragment Deployment on Deployment {
  id commitOid environment createdAt updatedAt task
  ref { name }
  creator { ...ActorFields }
  statuses(first: 20) { nodes { ...DeploymentStatus } pageInfo { ...PageInfo } }
}`,
  Issue: `fragment Issue on Issue {
  id number title body url state createdAt updatedAt closedAt
  author { ...ActorFields }
  labels(first: 20) { nodes { name } }
  milestone { id }
}`,
  Milestone: `fragment Milestone on Milestone {
  id number title state dueOn createdAt updatedAt closedAt url
}`,
  Commit: `fragment Commit on Commit { oid authoredDate committedDate parents(first: 5) { nodes { oid } } }`,
}

/** The repository state read for every repository at the start of a collect: metadata and the newest item of each dataset. */
export function repoStateFields(adoptionFile: string | null): string {
  return `id name nameWithOwner owner { login } isArchived url createdAt
  defaultBranchRef { name target { oid } }
  repositoryTopics(first: 30) { nodes { topic { name } } }
  pullRequests(first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { totalCount nodes { updatedAt } }
  issues(first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { totalCount nodes { updatedAt } }
  milestones(first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { totalCount nodes { updatedAt } }
  deployments(first: 1, orderBy: {field: CREATED_AT, direction: DESC}) { totalCount nodes { id createdAt } }
  ${adoptionFile ? `adoption: object(expression: ${gqlString(`HEAD:${adoptionFile}`)}) { id }` : ''}`
}

export interface GqlRepoState {
  id: string
  name: string
  nameWithOwner: string
  owner: { login: string }
  isArchived: boolean
  url: string | null
  createdAt: string | null
  defaultBranchRef: { name: string; target: { oid: string } | null } | null
  repositoryTopics: { nodes: ({ topic: { name: string } } | null)[] } | null
  pullRequests: { totalCount: number; nodes: ({ updatedAt: string } | null)[] } | null
  issues: { totalCount: number; nodes: ({ updatedAt: string } | null)[] } | null
  milestones: { totalCount: number; nodes: ({ updatedAt: string } | null)[] } | null
  deployments: { totalCount: number; nodes: ({ id: string; createdAt: string } | null)[] } | null
  adoption?: { id: string } | null
}

export const repoField = (owner: string, name: string, inner: string) => `repository(owner: ${gqlString(owner)}, name: ${gqlString(name)}) { ${inner} }`

const after = (cursor: string | null) => (cursor ? `, after: ${gqlString(cursor)}` : '')

/** An organisation's (or, with `kind: 'user'`, a user's) repositories by name. */
export function ownerReposField(kind: 'organization' | 'user', login: string, first: number, cursor: string | null, adoptionFile: string | null): string {
  return `${kind}(login: ${gqlString(login)}) { login repositories(first: ${first}${after(cursor)}, orderBy: {field: NAME, direction: ASC}) {
    pageInfo { ...PageInfo } nodes { ${repoStateFields(adoptionFile)} } } }`
}

export function pullRequestsConnection(first: number, cursor: string | null): string {
  return `pullRequests(first: ${first}${after(cursor)}, orderBy: {field: UPDATED_AT, direction: DESC}) { totalCount pageInfo { ...PageInfo } nodes { ...PR } }`
}

export function deploymentsConnection(first: number, cursor: string | null): string {
  return `deployments(first: ${first}${after(cursor)}, orderBy: {field: CREATED_AT, direction: DESC}) { totalCount pageInfo { ...PageInfo } nodes { ...Deployment } }`
}

export function issuesConnection(first: number, cursor: string | null, filter: { label?: string; since?: string | null }): string {
  const parts: string[] = []
  if (filter.label) parts.push(`labels: [${gqlString(filter.label)}]`)
  if (filter.since) parts.push(`since: ${gqlString(filter.since)}`)
  const filterBy = parts.length ? `, filterBy: {${parts.join(', ')}}` : ''
  return `issues(first: ${first}${after(cursor)}, orderBy: {field: UPDATED_AT, direction: DESC}${filterBy}) { totalCount pageInfo { ...PageInfo } nodes { ...Issue } }`
}

export function milestonesConnection(first: number, cursor: string | null, issuesFirst: number): string {
  return `milestones(first: ${first}${after(cursor)}, orderBy: {field: UPDATED_AT, direction: DESC}) { totalCount pageInfo { ...PageInfo } nodes { ...Milestone issues(first: ${issuesFirst}) { pageInfo { ...PageInfo } nodes { ...Issue } } } }`
}

/** The history of a commit (a fixed SHA, so a resumed walk pages the same list), newest first. */
export function historyField(owner: string, name: string, head: string, first: number, cursor: string | null, since: string | null): string {
  const sinceArg = since ? `, since: ${gqlString(since)}` : ''
  return repoField(owner, name, `object(oid: ${gqlString(head)}) { ... on Commit { history(first: ${first}${after(cursor)}${sinceArg}) { pageInfo { ...PageInfo } nodes { ...Commit } } } }`)
}

export function nodesField(ids: readonly string[], inner: string): string {
  return `nodes(ids: [${ids.map(gqlString).join(', ')}]) { ${inner} }`
}

export function nodeField(id: string, inner: string): string {
  return `node(id: ${gqlString(id)}) { ${inner} }`
}

export function moreReviewsField(prId: string, first: number, cursor: string | null): string {
  return nodeField(prId, `... on PullRequest { reviews(first: ${first}${after(cursor)}) { nodes { ...Review } pageInfo { ...PageInfo } } }`)
}

export function moreStatusesField(deploymentId: string, first: number, cursor: string | null): string {
  return nodeField(deploymentId, `... on Deployment { statuses(first: ${first}${after(cursor)}) { nodes { ...DeploymentStatus } pageInfo { ...PageInfo } } }`)
}

export function moreMilestoneIssuesField(milestoneId: string, first: number, cursor: string | null): string {
  return nodeField(milestoneId, `... on Milestone { issues(first: ${first}${after(cursor)}) { nodes { ...Issue } pageInfo { ...PageInfo } } }`)
}
