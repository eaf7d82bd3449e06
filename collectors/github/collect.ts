import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Kysely } from 'kysely'
import type { Octokit } from 'octokit'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Database, Tristate } from '../../server/db/schema.ts'
import { LeaseKeeper } from '../shared/lease-lock.ts'
import type { ProgressListener } from '../shared/progress.ts'
import { saveSyncCursor } from '../shared/sync-cursor.ts'
import { markSyncFailed, markSyncSucceeded } from '../shared/sync-state.ts'
import { upsertRepositories } from '../shared/store/repositories.ts'
import { upsertRepositoryObservations } from '../shared/store/repository-observations.ts'
import { attachMeter, createGitHubOctokit, credentialKey, credentialKeyOf, meterOf } from './client.ts'
import { type CompareCursor, syncDeployedCommits } from './compare.sync.ts'
import { applyDeploymentSource } from './deployment-source.ts'
import { FatalError, GraphQLBatcher } from './graphql-batch.ts'
import { SOURCE } from './mappers.ts'
import { ATTRIBUTION_INPUTS, type PlanContext, type RepoPlan, RESOURCES, type Resource, planRepository } from './plan.ts'
import { FRAGMENTS } from './queries.ts'
import { observedOn, observedToday, readAlertFlags } from './security.sync.ts'
import { type RepoTarget, resolveTargets } from './targets.ts'
import { type RunContext, Unit, describeError } from './unit.ts'

export { RESOURCES, type Resource } from './plan.ts'


export interface CollectOptions {
  /** Backfill start for datasets never collected (default: 12 months before now). */
  since?: Date
  /** Ignore stored cursors and ETags: read everything since `since` again. */
  full?: boolean
  now?: () => Date
  onProgress?: ProgressListener
  /** A prebuilt client (tests: one pointed at the fake, with waits scaled down). */
  octokit?: Octokit
  /** Who holds the leases (default host:pid:random). */
  holder?: string
  /** Multiplies the client's waits when it is built here (tests). */
  timeScale?: number
  /** Repositories whose REST datasets are read at once (default 4). */
  concurrency?: number
  /** Lease time to live in seconds, renewed every third of it (default 120). */
  leaseSeconds?: number
  /** Run attribution for the repositories that changed (default true). */
  attribution?: boolean
  /** Called once at the end with formatCollectSummary's line (requests, 304s, rate-limit budget left). */
  log?: (line: string) => void
}

export interface ResourceReport {
  name: string
  rows: number
  requests: number
  error?: string
}

export interface CollectReport {
  /** HTTP requests made (retries and 304s included). */
  requests: number
  /** The smallest rate-limit budget left that GitHub reported (REST or GraphQL), null when unknown. */
  rateLimitRemaining: number | null
  repos: { repo: string; resources: ResourceReport[] }[]
  skipped: { scope: string; reason: string }[]
  errors: { scope: string; message: string }[]
  /** 304 answers among `requests` (they cost no rate limit). */
  notModified: number
  /** Budget left per rate-limit resource (core, graphql, …). */
  rateLimits: Record<string, { remaining: number; limit: number; reset: string }>
  /** What attribution did, or why it did not run. */
  attribution: { repos: number; error?: string } | null
}

const MONTHS_BACK = 12

function defaultSince(now: Date): Date {
  const d = new Date(now)
  d.setUTCMonth(d.getUTCMonth() - MONTHS_BACK)
  return d
}

async function loadCursors(db: Kysely<Database>): Promise<Map<string, unknown>> {
  const rows = await db.selectFrom('sync_state').select(['scope', 'cursor']).where('source', '=', SOURCE).execute()
  return new Map(rows.map((r) => [r.scope, typeof r.cursor === 'string' ? JSON.parse(r.cursor) : r.cursor]))
}

/** Runs `work` over `items`, `size` at a time; a failure stops taking new items, and rejects once all running ones are done. */
async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failed = false
  const workers = Array.from({ length: Math.max(1, Math.min(size, items.length)) }, async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!)
      } catch (err) {
        failed = true
        throw err
      }
    }
  })
  const results = await Promise.allSettled(workers)
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (rejected) throw rejected.reason
}


/**
 * Collects GitHub for every repository of `sources.github.repos`: pull requests, the default
 * branch's commit graph, deployments (Deployments API and/or deploy workflow runs, per
 * `deployments.from`), CI workflow runs, labelled issues and incidents, milestones, Dependabot
 * alerts and a dated repository observation; then reruns attribution for the repositories that
 * changed. The first collect backfills 12 months (or `since`), later ones read what changed since
 * the stored cursors. Each repository is leased (two collects never work on the same one), and
 * one failing repository or dataset is reported and recorded in sync_state without stopping
 * the others. Rejects only when the collect as a whole cannot go on (e.g. `onProgress` threw).
 */
export async function collectGitHub(db: Kysely<Database>, config: AppConfig, options: CollectOptions = {}): Promise<CollectReport> {
  const gh = config.sources.github
  if (!gh) throw new Error('sources.github is not configured')
  const now = (options.now ?? (() => new Date()))()
  const since = options.since ?? defaultSince(now)
  const full = options.full ?? false
  const timeScale = options.timeScale ?? 1
  const octokit = options.octokit ?? createGitHubOctokit(gh, { timeScale })
  const meter = meterOf(octokit) ?? attachMeter(octokit)
  const requestsBefore = meter.requests
  const notModifiedBefore = meter.notModified
  const credential = credentialKeyOf(octokit, credentialKey(gh))
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const keeper = new LeaseKeeper(db, SOURCE, holder, options.leaseSeconds ?? 120)
  const report: CollectReport = { requests: 0, rateLimitRemaining: null, repos: [], skipped: [], errors: [], notModified: 0, rateLimits: {}, attribution: null }
  const batcher = new GraphQLBatcher(octokit, { fragments: FRAGMENTS, timeScale })

  const units: Unit[] = []
  let finished = 0
  let stopped: FatalError | null = null
  const started = Date.now()
  const emit = (unit: Unit) => {
    if (!options.onProgress) return
    const elapsed = (Date.now() - started) / 1000
    const etaSeconds = finished > 0 ? (elapsed / finished) * Math.max(0, units.length - finished) : null
    try {
      options.onProgress({ repo: unit.repo, resource: unit.resource, rows: unit.rows, done: finished, total: units.length, etaSeconds })
    } catch (err) {
      stopped ??= new FatalError(err)
      throw stopped
    }
  }
  const run: RunContext = {
    db,
    now,
    emit,
    finished: (unit) => {
      finished++
      try {
        emit(unit)
      } catch {
        // Recorded in `stopped`; the next step of any task throws it.
      }
    },
    leaseLost: (repo) => keeper.isLost(repo),
    stopped: () => stopped,
  }
  const unitFor = (repo: RepoTarget, resource: Resource) => {
    const u = new Unit(repo.fullName, resource, run)
    units.push(u)
    return u
  }

  try {
    const resolved = await resolveTargets(batcher, gh)
    for (const e of resolved.errors) {
      const message = describeError(e.error)
      report.errors.push({ scope: e.scope, message })
      await markSyncFailed(db, SOURCE, e.scope, message, now)
    }
    await recordArchived(db, resolved.targets.filter((t) => t.archived), now, report)
    if (gh.deployments.from.includes('releases')) report.skipped.push({ scope: 'deployments.from: releases', reason: 'deployments from GitHub releases are not collected yet; the other listed sources are used' })

    const mine: RepoTarget[] = []
    for (const t of resolved.targets.filter((r) => !r.archived)) {
      const conflict = await keeper.acquire(t.fullName)
      if (conflict) report.skipped.push({ scope: t.fullName, reason: `being collected by ${conflict.holder} (lease until ${conflict.expiresAt.toISOString()})` })
      else mine.push(t)
    }
    if (mine.length > 0) {
      const ids = await upsertRepositories(db, mine.map(repositoryRow))
      for (const t of mine) t.id = ids.get(t.fullName) ?? 0
    }

    const cursors = await loadCursors(db)
    const cursorOf = <C>(repo: RepoTarget, resource: Resource) => cursors.get(`${repo.fullName}:${resource}`) as C | undefined
    const observed = new Map<string, { dependabot: Tristate } | null>()
    for (const repo of mine) observed.set(repo.fullName, full ? null : await observedToday(db, repo.id, now))
    const unobserved = mine.filter((r) => !observed.get(r.fullName))
    const alertFlags = unobserved.length > 0 ? await readAlertFlags(batcher, unobserved) : new Map<string, Tristate>()

    const plans = new Map<string, RepoPlan>()
    const planCtx: PlanContext = {
      db, gh, config, octokit, credential, now, since, full, cursors, alertFlags, observed,
      unitFor,
      skip: (scope, reason) => report.skipped.push({ scope, reason }),
    }
    for (const repo of mine) {
      const plan = await planRepository(planCtx, repo)
      plans.set(repo.fullName, plan)
      // Attribution reads these datasets: mark it due before any of them changes, so a collect
      // killed before attribution ran leaves it to the next one.
      if (plan.tasks.some((t) => ATTRIBUTION_INPUTS.includes(t.kind))) {
        await saveSyncCursor(db, SOURCE, attributionScope(repo), { pending: true })
        cursors.set(attributionScope(repo), { pending: true })
      }
    }
    const all = [...plans.values()]
    // Grouped by dataset, so pages of the same kind from several repositories share requests.
    const tasks = RESOURCES.flatMap((kind) => all.flatMap((p) => p.tasks.filter((t) => t.kind === kind).map((t) => t.task)))
    const unchanged = all.flatMap((p) => p.unchanged)
    const restJobs = all.flatMap((p) => p.jobs)

    await Promise.all(unchanged)
    const graphql = batcher.run(tasks)
    const rest = pool(restJobs, options.concurrency ?? 4, async ({ units: jobUnits, job }) => {
      try {
        jobUnits[0]!.check()
        await job()
      } catch (err) {
        if (err instanceof FatalError) throw err
        for (const unit of jobUnits) if (unit.state === 'planned' || unit.state === 'running') await unit.fail(err)
      }
    })
    const outcome = await Promise.allSettled([graphql, rest])
    await Promise.all(units.map((x) => x.settled))
    const fatal = outcome.find((o): o is PromiseRejectedResult => o.status === 'rejected')
    if (fatal) throw fatal.reason instanceof FatalError ? fatal.reason.original : fatal.reason

    // Per repository, once its datasets are in: choose the deployment source, then link deployed SHAs outside the history.
    const changedRepoIds: number[] = []
    for (const repo of mine) {
      const u = plans.get(repo.fullName)!.units
      if (stopped) throw (stopped as FatalError).original
      if (u.workflow_runs?.state === 'done' && (u.deployments === undefined || u.deployments.state === 'done')) {
        try {
          const chosen = await applyDeploymentSource(db, gh, repo)
          if (chosen.rows > 0) u.workflow_runs.changed = true
        } catch (err) {
          report.errors.push({ scope: `${repo.fullName}:deployments`, message: describeError(err) })
        }
      }
      const compare = u.deployed_commits!
      if (u.commits?.state === 'done') {
        try {
          await syncDeployedCommits({ db, octokit, full }, repo, compare, cursorOf<CompareCursor>(repo, 'deployed_commits'))
        } catch (err) {
          if (err instanceof FatalError) throw err.original
          await compare.fail(err)
        }
      } else {
        await compare.start()
        await compare.fail(new Error(SKIPPED_NO_GRAPH))
      }
      const due = (cursors.get(attributionScope(repo)) as { pending?: boolean } | undefined)?.pending === true
      if (due || RESOURCES.some((r) => u[r]?.changed)) changedRepoIds.push(repo.id)
    }

    for (const unit of units) if (unit.state === 'planned' || unit.state === 'running') await unit.fail(new Error('did not complete'))
    await Promise.all(units.map((x) => x.settled))

    if (options.attribution !== false && changedRepoIds.length > 0) {
      report.attribution = await runAttribution(db, config, keeper, changedRepoIds, now)
      const scopes = mine.filter((r) => changedRepoIds.includes(r.id)).map(attributionScope)
      for (const scope of scopes) {
        if (report.attribution.error) await markSyncFailed(db, SOURCE, scope, report.attribution.error, now)
        else await markSyncSucceeded(db, SOURCE, scope, { cursor: { pending: false }, rowsWritten: 0, requestCount: 0, at: now, changed: true })
      }
    }

    for (const repo of mine) {
      const u = plans.get(repo.fullName)!.units
      report.repos.push({
        repo: repo.fullName,
        resources: RESOURCES.filter((r) => u[r]).map((r) => {
          const unit = u[r]!
          return { name: r, rows: unit.rows, requests: unit.requests, ...(unit.error ? { error: unit.error } : {}) }
        }),
      })
      for (const r of RESOURCES) {
        const unit = u[r]
        if (!unit?.error) continue
        const optional = unit.error.startsWith('HTTP 403') && (r === 'dependabot_alerts' || r === 'repository_flags')
        if (optional || unit.error === SKIPPED_NO_GRAPH) report.skipped.push({ scope: unit.scope, reason: unit.error })
        else report.errors.push({ scope: unit.scope, message: unit.error })
      }
    }
    return report
  } finally {
    await keeper.releaseAll().catch(() => undefined)
    report.requests = meter.requests - requestsBefore
    report.notModified = meter.notModified - notModifiedBefore
    report.rateLimitRemaining = meter.rateLimitRemaining
    report.rateLimits = Object.fromEntries([...meter.rateLimits].map(([k, v]) => [k, { remaining: v.remaining, limit: v.limit, reset: v.reset.toISOString() }]))
    options.log?.(formatCollectSummary(report))
  }
}

function repositoryRow(t: RepoTarget) {
  return {
    source: SOURCE,
    external_id: t.nodeId,
    owner: t.owner,
    name: t.name,
    full_name: t.fullName,
    default_branch: t.defaultBranch,
    archived: t.archived,
    topics: t.topics,
    url: t.url,
    created_at: t.createdAt,
  }
}

/** Archived repositories are not collected; one stored before is marked archived (and observed so). */
async function recordArchived(db: Kysely<Database>, archived: readonly RepoTarget[], now: Date, report: CollectReport): Promise<void> {
  if (archived.length === 0) return
  for (const t of archived) report.skipped.push({ scope: t.fullName, reason: 'archived' })
  const stored = await db
    .selectFrom('repository')
    .select(['id', 'external_id'])
    .where('source', '=', SOURCE)
    .where('external_id', 'in', archived.map((t) => t.nodeId))
    .execute()
  if (stored.length === 0) return
  const known = new Set(stored.map((s) => s.external_id))
  const ids = await upsertRepositories(db, archived.filter((t) => known.has(t.nodeId)).map(repositoryRow))
  await upsertRepositoryObservations(
    db,
    [...ids.values()].map((id) => ({ repo_id: id, observed_on: observedOn(now), archived: true, dependabot_alerts: 'unknown' as const, code_scanning: 'unknown' as const, adoption: 'unknown' as const })),
  )
}

const ATTRIBUTION_SCOPE = 'attribution'
/** The sync_state scope saying whether a repository's attribution is due. */
const attributionScope = (repo: RepoTarget) => `${repo.fullName}:attribution`
const SKIPPED_NO_GRAPH = 'skipped: the commit graph was not read'

/** Recomputes attribution for the repositories that changed, under a lease (one at a time per database). */
async function runAttribution(db: Kysely<Database>, config: AppConfig, keeper: LeaseKeeper, repoIds: number[], now: Date): Promise<{ repos: number; error?: string }> {
  for (let attempt = 0; ; attempt++) {
    const conflict = await keeper.acquire(ATTRIBUTION_SCOPE)
    if (!conflict) break
    if (attempt >= 120) return { repos: 0, error: `attribution is being recomputed by ${conflict.holder}` }
    await new Promise((r) => setTimeout(r, 500))
  }
  try {
    // The single call into attribution (collectors/attribution): links PRs to the deployments that shipped them, failures and incidents.
    const { recomputeAttribution } = await import('../attribution/index.ts')
    await recomputeAttribution(db, config, { repoIds, now })
    return { repos: repoIds.length }
  } catch (err) {
    return { repos: 0, error: describeError(err) }
  } finally {
    await keeper.release(ATTRIBUTION_SCOPE)
  }
}


/** One line for logs and the CLI: requests made (304s among them), the rate-limit budget left, skips and errors. */
export function formatCollectSummary(report: CollectReport): string {
  const budget = Object.entries(report.rateLimits)
    .map(([resource, r]) => `${resource} ${r.remaining}/${r.limit}`)
    .join(', ')
  const parts = [
    `github: ${report.requests} requests (${report.notModified} answered 304)`,
    `rate limit left: ${budget || 'unknown'}`,
    `${report.repos.length} repositories`,
    ...(report.skipped.length ? [`${report.skipped.length} skipped`] : []),
    ...(report.errors.length ? [`${report.errors.length} errors`] : []),
  ]
  return parts.join(' · ')
}
