import type { Insertable } from 'kysely'
import type {
  DeploymentOutcome,
  DeploymentStatusTable,
  DeploymentTable,
  IncidentTable,
  IssueTable,
  MilestoneTable,
  PullRequestTable,
  Severity,
  VulnerabilityAlertTable,
  WorkflowRunTable,
} from '../../server/db/schema.ts'
import type { LabelConfig, TeamConfig } from '../../server/config/app-config.ts'

/** The source name every GitHub row is stored under. */
export const SOURCE = 'github'

type Row<T> = Omit<Insertable<T>, 'repo_id'>

/** A GitHub actor as GraphQL and REST give it. */
export interface Actor {
  login: string
  __typename?: string
  type?: string
}

/** Whether an actor is a bot: GraphQL's `Bot` type, REST's `type: Bot`, or a login ending in `[bot]`. */
export function isBot(actor: Actor | null | undefined): boolean {
  if (!actor) return false
  return actor.__typename === 'Bot' || actor.type === 'Bot' || actor.login.endsWith('[bot]')
}

/** The login as REST spells it: GraphQL drops the `[bot]` suffix of an app's login. */
export function loginOf(actor: Actor | null | undefined): string | null {
  if (!actor) return null
  return isBot(actor) && !actor.login.endsWith('[bot]') ? `${actor.login}[bot]` : actor.login
}

const lower = (s: string) => s.toLowerCase()

/** The names of `labels` present among `wanted`, compared as GitHub does (ignoring case). */
export function hasAnyLabel(labels: readonly string[], wanted: readonly string[]): boolean {
  const set = new Set(wanted.map(lower))
  return labels.some((l) => set.has(lower(l)))
}

// ---- pull requests ------------------------------------------------------------------------------------------------------

export interface GqlReview {
  state: string
  submittedAt: string | null
  author: Actor | null
}

/**
 * The first submitted review by someone other than the PR's author and not a bot; PENDING
 * reviews have no submittedAt and never count. Reviews from deleted accounts count.
 */
export function firstReview(prAuthor: string | null, reviews: readonly GqlReview[]): { at: string; reviewer: string | null } | null {
  let best: { at: string; reviewer: string | null } | null = null
  for (const r of reviews) {
    if (!r.submittedAt || r.state === 'PENDING') continue
    if (isBot(r.author)) continue
    const login = loginOf(r.author)
    if (login !== null && prAuthor !== null && lower(login) === lower(prAuthor)) continue
    if (!best || Date.parse(r.submittedAt) < Date.parse(best.at)) best = { at: r.submittedAt, reviewer: login }
  }
  return best
}

/**
 * What a PR reverts: `Reverts owner/repo#N` (or `#N`) in the body; a `Revert "…"` title alone
 * gives the repository and leaves the number to be matched by title later. Null for other PRs.
 */
export function parseRevert(title: string, body: string | null, repoFullName: string): { repo: string; number: number | null } | null {
  const ref = /\bReverts\s+(?:([\w.-]+\/[\w.-]+))?#(\d+)\b/i.exec(body ?? '')
  if (ref) return { repo: ref[1] ?? repoFullName, number: Number(ref[2]) }
  if (/^Revert\s+".*"\s*$/s.test(title.trim())) return { repo: repoFullName, number: null }
  return null
}

/** The title a `Revert "…"` PR reverts, or null. */
export function revertedTitle(title: string): string | null {
  const m = /^Revert\s+"(.*)"\s*$/s.exec(title.trim())
  return m ? m[1]! : null
}

export interface GqlPullRequest {
  id: string
  number: number
  title: string
  body: string | null
  url: string | null
  state: 'OPEN' | 'CLOSED' | 'MERGED'
  createdAt: string
  updatedAt: string
  mergedAt: string | null
  closedAt: string | null
  baseRefName: string
  additions: number | null
  deletions: number | null
  author: Actor | null
  mergeCommit: { oid: string } | null
  labels: { nodes: ({ name: string } | null)[] } | null
  commits: { nodes: ({ commit: { authoredDate: string | null } } | null)[] } | null
  reviews: { nodes: (GqlReview | null)[]; pageInfo?: { hasNextPage: boolean; endCursor: string | null } } | null
}

/** A pull_request row (without repo_id) from GraphQL; `extraReviews` are reviews read beyond the first page. */
export function mapPullRequest(pr: GqlPullRequest, repoFullName: string, extraReviews: readonly GqlReview[] = []): Row<PullRequestTable> {
  const author = loginOf(pr.author)
  const reviews = [...(pr.reviews?.nodes ?? []).filter((r): r is GqlReview => r !== null), ...extraReviews]
  const review = firstReview(author, reviews)
  const revert = parseRevert(pr.title, pr.body, repoFullName)
  const firstCommit = pr.commits?.nodes?.[0]?.commit?.authoredDate ?? null
  return {
    source: SOURCE,
    external_id: pr.id,
    number: pr.number,
    title: pr.title,
    body: pr.body,
    author,
    author_is_bot: isBot(pr.author),
    state: pr.mergedAt ? 'merged' : pr.state === 'OPEN' ? 'open' : 'closed',
    base_branch: pr.baseRefName,
    labels: (pr.labels?.nodes ?? []).filter((l): l is { name: string } => l !== null).map((l) => l.name),
    created_at: pr.createdAt,
    first_commit_at: firstCommit ?? pr.createdAt,
    first_review_at: review?.at ?? null,
    first_reviewer: review?.reviewer ?? null,
    merged_at: pr.mergedAt,
    closed_at: pr.closedAt,
    merge_commit_sha: pr.mergedAt ? (pr.mergeCommit?.oid ?? null) : null,
    revert_of_repo: revert?.repo ?? null,
    revert_of_number: revert?.number ?? null,
    additions: pr.additions,
    deletions: pr.deletions,
    url: pr.url,
    updated_at: pr.updatedAt,
  }
}

/** Whether the reviews read so far leave the first qualifying review undecided (more pages, none found yet). */
export function needsMoreReviews(pr: GqlPullRequest): boolean {
  if (!pr.reviews?.pageInfo?.hasNextPage) return false
  return firstReview(loginOf(pr.author), (pr.reviews.nodes ?? []).filter((r): r is GqlReview => r !== null)) === null
}

// ---- deployments --------------------------------------------------------------------------------------------------------

export interface StatusLike {
  state: string
  createdAt: string
}

const TERMINAL: Record<string, DeploymentOutcome> = { success: 'success', failure: 'failure', error: 'failure' }

/**
 * A deployment's outcome from its status history: the first terminal status decides (success →
 * success; failure or error → failure) and its time is the finish; `inactive` never counts.
 * started_at is the first in_progress status. Null outcome when no terminal status was seen.
 */
export function deploymentOutcome(statuses: readonly StatusLike[]): { status: DeploymentOutcome | null; finishedAt: string | null; startedAt: string | null } {
  const ordered = [...statuses].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))
  const started = ordered.find((s) => lower(s.state) === 'in_progress')
  const terminal = ordered.find((s) => TERMINAL[lower(s.state)] !== undefined)
  return {
    status: terminal ? TERMINAL[lower(terminal.state)]! : null,
    finishedAt: terminal?.createdAt ?? null,
    startedAt: started?.createdAt ?? null,
  }
}

/** Whether an environment counts as production under the configured pattern (case-insensitive). */
export function productionMatcher(pattern: string): (environment: string | null | undefined) => boolean {
  const re = new RegExp(pattern, 'i')
  return (environment) => !!environment && re.test(environment)
}

/** The service a repository deploys: the configured mapping (owner/repo, any case), else its name. */
export function serviceOf(fullName: string, services: Readonly<Record<string, string>>): string {
  const key = lower(fullName)
  for (const [repo, service] of Object.entries(services)) if (lower(repo) === key) return service
  return fullName.slice(fullName.indexOf('/') + 1)
}

export interface GqlDeploymentStatus {
  id: string
  state: string
  createdAt: string
  description: string | null
  logUrl: string | null
}

export interface GqlDeployment {
  id: string
  commitOid: string
  environment: string | null
  createdAt: string
  updatedAt?: string
  task?: string | null
  ref: { name: string } | null
  creator: Actor | null
  statuses: { nodes: (GqlDeploymentStatus | null)[]; pageInfo?: { hasNextPage: boolean; endCursor: string | null } } | null
}

export interface RepoContext {
  fullName: string
  service: string
  isProduction: (environment: string | null | undefined) => boolean
}

/**
 * A deployment row from GraphQL and the statuses it showed, plus those stored before (GitHub
 * deletes statuses older than 90 days, so the outcome is decided over everything ever seen).
 */
export function mapDeployment(d: GqlDeployment, ctx: RepoContext, storedStatuses: readonly StatusLike[] = []): Row<DeploymentTable> {
  const seen = (d.statuses?.nodes ?? []).filter((s): s is GqlDeploymentStatus => s !== null)
  const outcome = deploymentOutcome([...storedStatuses, ...seen])
  const environment = d.environment ?? 'unknown'
  return {
    source: 'github_deployment',
    external_id: d.id,
    service: ctx.service,
    environment,
    is_production: ctx.isProduction(environment),
    sha: d.commitOid,
    ref: d.ref?.name ?? null,
    status: outcome.status,
    created_at: d.createdAt,
    started_at: outcome.startedAt ?? d.createdAt,
    finished_at: outcome.finishedAt,
    creator: loginOf(d.creator),
    url: null,
  }
}

/** The status rows (without deployment_id) of a GraphQL deployment. */
export function mapDeploymentStatuses(d: GqlDeployment): Omit<Insertable<DeploymentStatusTable>, 'deployment_id'>[] {
  return (d.statuses?.nodes ?? [])
    .filter((s): s is GqlDeploymentStatus => s !== null)
    .map((s) => ({ external_id: s.id, state: lower(s.state), created_at: s.createdAt, description: s.description || null, log_url: s.logUrl || null }))
}

// ---- workflow runs ------------------------------------------------------------------------------------------------------

export interface RestRun {
  id: number
  node_id: string
  name?: string | null
  path?: string
  event?: string
  head_branch: string | null
  head_sha: string
  status: string | null
  conclusion: string | null
  created_at: string
  run_started_at?: string | null
  updated_at: string
  html_url?: string
  workflow_id?: number
  actor?: { login: string; type?: string } | null
  triggering_actor?: { login: string; type?: string } | null
}

/** The workflow file a run belongs to, without `@ref` (reusable workflows). */
export function workflowPath(run: RestRun): string {
  return (run.path ?? '').replace(/@.*$/, '')
}

export function workflowFile(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

export function mapWorkflowRun(run: RestRun): Row<WorkflowRunTable> {
  return {
    source: SOURCE,
    external_id: run.node_id,
    workflow_path: workflowPath(run),
    name: run.name ?? null,
    event: run.event ?? null,
    head_branch: run.head_branch,
    head_sha: run.head_sha,
    status: run.status ?? 'unknown',
    conclusion: run.conclusion,
    created_at: run.created_at,
    run_started_at: run.run_started_at ?? null,
    updated_at: run.updated_at,
    url: run.html_url ?? null,
  }
}

/** Whether a run is one of the configured deploy workflows (by file name or path) on the deploy branch. */
export function isDeployRun(run: { workflow_path: string; head_branch: string | null }, workflows: readonly string[], branch: string): boolean {
  if (run.head_branch !== branch) return false
  const file = workflowFile(run.workflow_path)
  return workflows.some((w) => w === run.workflow_path || w === file || workflowFile(w) === file)
}

/**
 * A deployment from a completed deploy run: conclusion success → success, failure → failure,
 * anything else (cancelled, skipped, …) → null (not a deployment); finish = updated_at. The
 * environment is `production`: the configured deploy workflows deploy to production.
 */
export function runDeployment(
  run: Pick<Insertable<WorkflowRunTable>, 'external_id' | 'status' | 'conclusion' | 'head_sha' | 'head_branch' | 'created_at' | 'run_started_at' | 'updated_at' | 'url'>,
  ctx: RepoContext,
  actor: string | null = null,
): Row<DeploymentTable> | null {
  if (run.status !== 'completed') return null
  const status = run.conclusion === 'success' ? 'success' : run.conclusion === 'failure' ? 'failure' : null
  if (!status) return null
  return {
    source: 'workflow_run',
    external_id: run.external_id,
    service: ctx.service,
    environment: 'production',
    is_production: true,
    sha: run.head_sha ?? null,
    ref: run.head_branch ?? null,
    status,
    created_at: run.created_at,
    started_at: run.run_started_at ?? run.created_at,
    finished_at: run.updated_at,
    creator: actor,
    url: run.url ?? null,
  }
}

// ---- issues and incidents -----------------------------------------------------------------------------------------------

/** An issue as the collector handles it, whichever API it came from. */
export interface IssueItem {
  nodeId: string
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  author: string | null
  labels: string[]
  /** The milestone's node id, when it has one. */
  milestone: string | null
  createdAt: string
  updatedAt: string
  closedAt: string | null
  url: string | null
}

export interface GqlIssue {
  id: string
  number: number
  title: string
  body: string | null
  url: string | null
  state: 'OPEN' | 'CLOSED'
  createdAt: string
  updatedAt: string
  closedAt: string | null
  author: Actor | null
  labels: { nodes: ({ name: string } | null)[] } | null
  milestone: { id: string } | null
}

export function issueFromGraphQL(i: GqlIssue): IssueItem {
  return {
    nodeId: i.id,
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state === 'CLOSED' ? 'closed' : 'open',
    author: loginOf(i.author),
    labels: (i.labels?.nodes ?? []).filter((l): l is { name: string } => l !== null).map((l) => l.name),
    milestone: i.milestone?.id ?? null,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    closedAt: i.state === 'CLOSED' ? i.closedAt : null,
    url: i.url,
  }
}

export function mapIssue(i: IssueItem, milestoneId: number | null): Row<IssueTable> {
  return {
    source: SOURCE,
    external_id: i.nodeId,
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    author: i.author,
    labels: i.labels,
    milestone_id: milestoneId,
    created_at: i.createdAt,
    closed_at: i.closedAt,
    updated_at: i.updatedAt,
    url: i.url,
  }
}

/** The severity named by the configured severity labels (sev1 first), or null. */
export function severityOf(labels: readonly string[], severity: LabelConfig['severity']): Severity | null {
  for (const level of ['sev1', 'sev2', 'sev3', 'sev4', 'sev5'] as const) if (hasAnyLabel(labels, severity[level] ?? [])) return level
  return null
}

/** The value of the first `prefix<value>` label (e.g. `service:checkout` → checkout), or null. */
export function labelValue(labels: readonly string[], prefix: string): string | null {
  for (const l of labels) if (lower(l).startsWith(prefix) && l.length > prefix.length) return l.slice(prefix.length).trim() || null
  return null
}

/** Whether a team's repository pattern (`owner/name` or `owner/*`) covers `fullName`, ignoring case. */
export function repoPatternMatches(pattern: string, fullName: string): boolean {
  const p = lower(pattern)
  const name = lower(fullName)
  if (p.endsWith('/*')) return name.startsWith(p.slice(0, -1)) && !name.slice(p.length - 1).includes('/')
  return p === name
}

/** The first configured team whose repositories include `fullName`, or null. */
export function teamOf(fullName: string, teams: readonly TeamConfig[]): string | null {
  return teams.find((t) => t.repos.some((p) => repoPatternMatches(p, fullName)))?.id ?? null
}

/** `root cause: <sha>` in an incident issue's body. */
export function rootCauseSha(body: string | null): string | null {
  const m = /\broot[ -]cause:\s*([0-9a-f]{7,40})\b/i.exec(body ?? '')
  return m ? m[1]!.toLowerCase() : null
}

/** `caused by #N` in an incident issue's body. */
export function causedByPr(body: string | null): number | null {
  const m = /\bcaused\s+by\s+#(\d+)\b/i.exec(body ?? '')
  return m ? Number(m[1]) : null
}

/**
 * The incident row of an issue carrying an incident label: started at creation, resolved when
 * closed, severity from the severity labels, service from `service:<name>`, team owning the repo.
 */
export function incidentFromIssue(i: IssueItem, ctx: { fullName: string; labels: LabelConfig; teams: readonly TeamConfig[] }): Row<IncidentTable> | null {
  if (!hasAnyLabel(i.labels, ctx.labels.incident)) return null
  return {
    source: SOURCE,
    external_id: i.nodeId,
    reference: `${ctx.fullName}#${i.number}`,
    service: labelValue(i.labels, 'service:'),
    team_id: teamOf(ctx.fullName, ctx.teams),
    severity: severityOf(i.labels, ctx.labels.severity),
    title: i.title,
    status: i.state,
    started_at: i.createdAt,
    acknowledged_at: null,
    resolved_at: i.state === 'closed' ? i.closedAt : null,
    is_security: hasAnyLabel(i.labels, ctx.labels.security),
    root_cause_key: labelValue(i.labels, 'root-cause:'),
    customer_impact: hasAnyLabel(i.labels, ctx.labels.customer) ? true : null,
    labels: i.labels,
    caused_by_sha: rootCauseSha(i.body),
    caused_by_pr: causedByPr(i.body),
    caused_by_deployment: null,
    url: i.url,
    updated_at: i.updatedAt,
  }
}

// ---- milestones ---------------------------------------------------------------------------------------------------------

export interface GqlMilestone {
  id: string
  number: number
  title: string
  state: 'OPEN' | 'CLOSED'
  dueOn: string | null
  createdAt: string
  updatedAt: string
  closedAt: string | null
  url: string | null
}

export function mapMilestone(m: GqlMilestone): Row<MilestoneTable> {
  return {
    source: SOURCE,
    external_id: m.id,
    number: m.number,
    title: m.title,
    state: lower(m.state),
    due_on: m.dueOn,
    created_at: m.createdAt,
    closed_at: m.closedAt,
    url: m.url,
  }
}

// ---- Dependabot alerts --------------------------------------------------------------------------------------------------

export interface RestAlert {
  number: number
  state: string
  created_at: string
  updated_at?: string | null
  fixed_at?: string | null
  dismissed_at?: string | null
  auto_dismissed_at?: string | null
  html_url?: string
  dependency?: { package?: { name?: string } | null } | null
  security_vulnerability?: { severity?: string; package?: { name?: string } | null } | null
  security_advisory?: { severity?: string } | null
}

const ALERT_SEVERITY: Record<string, VulnerabilityAlertTable['severity']> = { critical: 'critical', high: 'high', medium: 'medium', moderate: 'medium', low: 'low' }
const ALERT_STATE: Record<string, VulnerabilityAlertTable['state']> = { open: 'open', fixed: 'fixed', dismissed: 'dismissed', auto_dismissed: 'auto_dismissed' }

/** A vulnerability_alert row; its external id is `owner/repo#N` (Dependabot alerts have no node id). */
export function mapAlert(a: RestAlert, repoFullName: string): Row<VulnerabilityAlertTable> {
  const severity = lower(a.security_vulnerability?.severity ?? a.security_advisory?.severity ?? 'low')
  return {
    source: SOURCE,
    external_id: `${repoFullName}#${a.number}`,
    number: a.number,
    state: ALERT_STATE[lower(a.state)] ?? 'open',
    severity: ALERT_SEVERITY[severity] ?? 'low',
    package: a.security_vulnerability?.package?.name ?? a.dependency?.package?.name ?? null,
    created_at: a.created_at,
    fixed_at: a.fixed_at ?? null,
    dismissed_at: a.dismissed_at ?? a.auto_dismissed_at ?? null,
    url: a.html_url ?? null,
    updated_at: a.updated_at ?? null,
  }
}

// ---- time windows -------------------------------------------------------------------------------------------------------

/** A `created` window for workflow-run queries, both ends inclusive, to the second. */
export interface Window {
  from: Date
  to: Date
}

/** GitHub's `created=A..B` qualifier for a window. */
export function windowQualifier(w: Window): string {
  const s = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')
  return `${s(w.from)}..${s(w.to)}`
}

/**
 * Splits a window holding `total` results into parts expected to hold under `cap` each (equal
 * lengths, at least two, never shorter than a second). A part still at the cap is split again.
 */
export function splitWindow(w: Window, total: number, cap = 1_000): Window[] {
  const from = Math.floor(w.from.getTime() / 1000)
  const to = Math.floor(w.to.getTime() / 1000)
  const seconds = to - from + 1
  const parts = Math.min(seconds, Math.max(2, Math.ceil(total / (cap * 0.8))))
  if (parts <= 1) return [w]
  const out: Window[] = []
  for (let k = 0; k < parts; k++) {
    const a = from + Math.floor((seconds * k) / parts)
    const b = from + Math.floor((seconds * (k + 1)) / parts) - 1
    if (b >= a) out.push({ from: new Date(a * 1000), to: new Date(b * 1000) })
  }
  return out
}
