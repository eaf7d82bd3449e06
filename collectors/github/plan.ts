import type { Kysely } from 'kysely'
import type { Octokit } from 'octokit'
import type { AppConfig, GitHubConfig } from '../../server/config/app-config.ts'
import type { Database, Tristate } from '../../server/db/schema.ts'
import { type CommitsCursor, HistoryTask } from './commits.sync.ts'
import { deploymentAdapter, pendingDeployments, pendingFollowUps } from './deployments.sync.ts'
import { type BatchTask, FatalError } from './graphql-batch.ts'
import { issueAdapter, issueBackfillWalks, issueLabels, milestoneAdapter } from './issues.sync.ts'
import { pullRequestAdapter } from './pull-requests.sync.ts'
import { type AlertsCursor, observeRepository, observedOn, syncDependabotAlerts } from './security.sync.ts'
import type { RepoTarget } from './targets.ts'
import type { Unit } from './unit.ts'
import { type WalkCursor, WalkTask, planWalks } from './walk-task.ts'
import { type RunsCursor, syncWorkflowRuns } from './workflow-runs.sync.ts'

/** The datasets of one repository, in the order they are reported (and GraphQL tasks are queued). */
export const RESOURCES = [
  'pull_requests',
  'commits',
  'deployments',
  'workflow_runs',
  'issues',
  'milestones',
  'dependabot_alerts',
  'repository_flags',
  'deployed_commits',
] as const
export type Resource = (typeof RESOURCES)[number]

/** The datasets attribution is computed from: reading any of them makes a repository's attribution due. */
export const ATTRIBUTION_INPUTS: readonly Resource[] = ['pull_requests', 'commits', 'deployments', 'issues']

/** What planning a repository needs from the collect. */
export interface PlanContext {
  db: Kysely<Database>
  gh: GitHubConfig
  config: AppConfig
  octokit: Octokit
  credential: string
  now: Date
  since: Date
  full: boolean
  /** sync_state cursors by scope (`owner/repo:resource`). */
  cursors: ReadonlyMap<string, unknown>
  /** Dependabot alerts on/off per repository node id, from GraphQL (repositories not observed today). */
  alertFlags: ReadonlyMap<string, Tristate>
  /** Today's observation per repository, when it was made already. */
  observed: ReadonlyMap<string, { dependabot: Tristate } | null>
  unitFor(repo: RepoTarget, resource: Resource): Unit
  skip(scope: string, reason: string): void
}

/** One repository's work: GraphQL page tasks, REST jobs, and datasets known unchanged (settled without a request). */
export interface RepoPlan {
  units: Partial<Record<Resource, Unit>>
  tasks: { kind: Resource; task: BatchTask }[]
  jobs: { units: Unit[]; job: () => Promise<void> }[]
  unchanged: Promise<void>[]
}

const later = (a: string | null | undefined, b: string | null | undefined) => (!a ? (b ?? null) : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b)

/**
 * Whether a walked dataset can be skipped: it was read before (cursor complete, no resume
 * pending, floor reaching back to `since`) and the newest item GitHub shows now is the one
 * seen then (`same`, or `seen` no later than what was seen).
 */
export function isUnchanged(c: WalkCursor | undefined, full: boolean, since: Date, seen: string | null, same?: boolean): boolean {
  if (full || !c || c.resume || !c.floor) return false
  if (since.getTime() < Date.parse(c.floor)) return false
  if (same !== undefined) return same
  if (seen === null) return true
  const last = (c.seen as string | null | undefined) ?? c.watermark
  return !!last && Date.parse(seen) <= Date.parse(last)
}

const all = (stop: string | null) => ({ kind: 'all', after: null, stop })

/**
 * Decides, from the stored cursors and the repository state read at the start (the newest PR,
 * issue, milestone and deployment, the default branch head), which datasets need reading and
 * how: a backfill, an incremental walk, a resume after a crash, or nothing at all.
 */
export async function planRepository(ctx: PlanContext, repo: RepoTarget): Promise<RepoPlan> {
  const { db, gh, full, since, now } = ctx
  const plan: RepoPlan = { units: {}, tasks: [], jobs: [], unchanged: [] }
  const u = plan.units
  const cursorOf = <C>(resource: Resource) => ctx.cursors.get(`${repo.fullName}:${resource}`) as C | undefined
  const probe = repo.state
  const sinceIso = since.toISOString()
  const walkPlan = (c: WalkCursor | undefined) => planWalks({ cursor: c, full, since, backfill: (s) => [all(s)], incremental: (stop) => all(stop) })

  {
    const unit = (u.pull_requests = ctx.unitFor(repo, 'pull_requests'))
    const c = cursorOf<WalkCursor>('pull_requests')
    const seen = probe.pullRequests?.nodes?.[0]?.updatedAt ?? null
    if (isUnchanged(c, full, since, seen)) plan.unchanged.push(WalkTask.unchanged(unit, c, sinceIso))
    else {
      const p = walkPlan(c)
      // A backfill's first page packs small repositories together; an incremental one expects few changes.
      const firstPageSize = p.top ? 10 : Math.max(1, probe.pullRequests?.totalCount ?? 50)
      plan.tasks.push({ kind: 'pull_requests', task: new WalkTask(db, unit, pullRequestAdapter(db, repo), p, c, { seen: later(seen, c?.seen as string | undefined) }, { firstPageSize }) })
    }
  }

  {
    const unit = (u.commits = ctx.unitFor(repo, 'commits'))
    const c = cursorOf<CommitsCursor>('commits')
    const { walks, final } = await HistoryTask.plan(db, repo, c, { full, since })
    if (walks.length === 0) plan.unchanged.push(unit.start().then(() => unit.succeed(final)))
    else plan.tasks.push({ kind: 'commits', task: new HistoryTask(db, unit, repo, walks, final, c) })
  }

  if (gh.deployments.from.includes('deployments')) {
    const unit = (u.deployments = ctx.unitFor(repo, 'deployments'))
    const c = cursorOf<WalkCursor>('deployments')
    const newest = probe.deployments?.nodes?.[0]
    const seen = newest ? `${newest.createdAt}|${newest.id}` : null
    const pending = full ? [] : await pendingDeployments(db, repo.id, now)
    const walkNeeded = !isUnchanged(c, full, since, seen, seen === (c?.seen ?? null))
    if (pending.length === 0 && !walkNeeded) plan.unchanged.push(WalkTask.unchanged(unit, c, sinceIso))
    else {
      const p = walkNeeded ? walkPlan(c) : { walks: [], floor: c?.floor ?? sinceIso, top: c?.watermark ?? null }
      const firstPageSize = p.top ? 10 : Math.max(1, probe.deployments?.totalCount ?? 50)
      const preludes = pendingFollowUps(db, repo, pending, (n) => unit.progress(n))
      plan.tasks.push({ kind: 'deployments', task: new WalkTask(db, unit, deploymentAdapter(repo), p, c, { seen }, { firstPageSize, preludes }) })
    }
  }

  const issueCtx = { repo, labels: gh.labels, teams: ctx.config.teams }
  {
    const unit = (u.issues = ctx.unitFor(repo, 'issues'))
    const c = cursorOf<WalkCursor>('issues')
    const labelsKey = issueLabels(gh.labels).map((l) => l.toLowerCase()).sort()
    const sameLabels = JSON.stringify(c?.labels ?? null) === JSON.stringify(labelsKey)
    const seen = probe.issues?.nodes?.[0]?.updatedAt ?? null
    if (sameLabels && isUnchanged(c, full, since, seen)) plan.unchanged.push(WalkTask.unchanged(unit, c, sinceIso))
    else {
      // Backfill: one walk per label; afterwards one walk over every issue updated since (see issueAdapter).
      const p = planWalks({ cursor: c, full, since, incrementalAllowed: sameLabels, backfill: (s) => issueBackfillWalks(gh.labels, s), incremental: (stop) => all(stop) })
      plan.tasks.push({ kind: 'issues', task: new WalkTask(db, unit, issueAdapter(issueCtx), p, c, { labels: labelsKey, seen }, { firstPageSize: p.top ? 20 : undefined }) })
    }
  }

  {
    // Few per repository: read whole whenever the newest one or their number changed.
    const unit = (u.milestones = ctx.unitFor(repo, 'milestones'))
    const c = cursorOf<WalkCursor>('milestones')
    const seen = probe.milestones ? `${probe.milestones.totalCount}|${probe.milestones.nodes?.[0]?.updatedAt ?? null}` : null
    if (isUnchanged(c, full, since, seen, seen === (c?.seen ?? null))) plan.unchanged.push(WalkTask.unchanged(unit, c, sinceIso))
    else {
      const p = planWalks({ cursor: c, full, since, backfill: () => [all(null)], incremental: () => all(null) })
      const firstPageSize = Math.max(1, probe.milestones?.totalCount ?? 20)
      plan.tasks.push({ kind: 'milestones', task: new WalkTask(db, unit, milestoneAdapter(issueCtx), p, c, { seen }, { firstPageSize }) })
    }
  }

  {
    const unit = (u.workflow_runs = ctx.unitFor(repo, 'workflow_runs'))
    const deploy = { workflows: gh.deployments.workflows, branch: gh.deployments.branch, enabled: gh.deployments.from.includes('workflow_runs') }
    const runsCtx = { db, octokit: ctx.octokit, credential: ctx.credential, now, since, full, deploy }
    plan.jobs.push({ units: [unit], job: () => syncWorkflowRuns(runsCtx, repo, unit, cursorOf<RunsCursor>('workflow_runs')) })
  }

  {
    const flags = (u.repository_flags = ctx.unitFor(repo, 'repository_flags'))
    const alerts = (u.dependabot_alerts = ctx.unitFor(repo, 'dependabot_alerts'))
    const today = ctx.observed.get(repo.fullName) ?? null
    const flag = ctx.alertFlags.get(repo.nodeId)
    const restCtx = { db, octokit: ctx.octokit, credential: ctx.credential, now, full }
    plan.jobs.push({
      units: [flags, alerts],
      job: async () => {
        let dependabot = flag && flag !== 'unknown' ? flag : today?.dependabot
        try {
          flags.check()
          // The observation is dated: once a day is enough.
          if (today) {
            await flags.start()
            await flags.succeed({ observedOn: observedOn(now) })
          } else dependabot = (await observeRepository(restCtx, gh, repo, flags, flag)).dependabot
        } catch (err) {
          if (err instanceof FatalError) throw err
          await flags.fail(err)
        }
        if (dependabot === 'disabled') {
          await alerts.start()
          ctx.skip(alerts.scope, 'Dependabot alerts are disabled for this repository')
          await alerts.succeed(cursorOf<AlertsCursor>('dependabot_alerts') ?? { watermark: null, etags: {} })
          return
        }
        alerts.check()
        await syncDependabotAlerts(restCtx, repo, alerts, cursorOf<AlertsCursor>('dependabot_alerts'))
      },
    })
  }

  u.deployed_commits = ctx.unitFor(repo, 'deployed_commits')
  return plan
}
