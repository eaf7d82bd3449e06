import type { Kysely } from 'kysely'
import type { Octokit } from 'octokit'
import type { Database } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import { upsertWorkflowRuns } from '../shared/store/workflow-runs.ts'
import { type RestRun, type Window, mapWorkflowRun, splitWindow, windowQualifier } from './mappers.ts'
import { type EtagMap, type RestPage, etagKey, restNext, restPage } from './rest.ts'
import type { RepoTarget } from './targets.ts'
import type { Unit } from './unit.ts'

/** GitHub answers at most this many runs to a filtered query (total_count still counts them all). */
export const RUN_RESULT_CAP = 1_000
/** Next runs re-read from this long before the newest run seen. */
const RUN_OVERLAP_MS = 60 * 60 * 1000
/** Runs not completed are re-polled while younger than this (older ones are abandoned). */
const STUCK_AFTER_MS = 3 * 86_400_000

/** The cursor of `owner/repo:workflow_runs`. */
export interface RunsCursor {
  /** Lower bound of `created` for the next run. */
  floor: string | null
  /** How far back runs are complete (the backfill's since). */
  since: string | null
  etags: EtagMap
}

interface RunList {
  /** Route and fixed parameters: all runs on a branch, or one workflow's runs on a branch. */
  route: string
  params: Record<string, unknown>
}

type RunsPage = { total_count: number; workflow_runs: RestRun[] }

export interface RunsContext {
  db: Kysely<Database>
  octokit: Octokit
  credential: string
  now: Date
  since: Date
  full: boolean
  /** The deploy workflows and branch (`sources.github.deployments`). */
  deploy: { workflows: readonly string[]; branch: string; enabled: boolean }
}

/**
 * Workflow runs of the default branch (CI build times, and deploys from Actions), plus the
 * deploy workflows' runs on the deploy branch when that is another branch. Queries are split
 * into `created` windows holding under 1,000 runs each; later runs ask from a floor just
 * below the newest run seen (or the oldest run still in progress, which is polled again), with
 * ETags, so an unchanged repository costs one 304.
 */
export async function syncWorkflowRuns(ctx: RunsContext, repo: RepoTarget, unit: Unit, cursor: RunsCursor | undefined): Promise<void> {
  await unit.start()
  const sinceIso = ctx.since.toISOString()
  const extending = !!cursor?.since && ctx.since.getTime() < Date.parse(cursor.since)
  const floor = !ctx.full && cursor?.floor && !extending ? new Date(cursor.floor) : ctx.since
  const known = ctx.full ? {} : (cursor?.etags ?? {})
  const etags: EtagMap = {}
  const lists: RunList[] = [{ route: 'GET /repos/{owner}/{repo}/actions/runs', params: { owner: repo.owner, repo: repo.name, branch: repo.defaultBranch } }]
  if (ctx.deploy.enabled && ctx.deploy.branch !== repo.defaultBranch) {
    for (const w of ctx.deploy.workflows) {
      const file = w.slice(w.lastIndexOf('/') + 1)
      lists.push({ route: 'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', params: { owner: repo.owner, repo: repo.name, workflow_id: file, branch: ctx.deploy.branch } })
    }
  }
  for (const list of lists) {
    const pending: (Window & { openEnded: boolean })[] = [{ from: floor, to: ctx.now, openEnded: true }]
    while (pending.length > 0) {
      const w = pending.shift()!
      unit.check()
      const created = w.openEnded ? `>=${windowQualifier(w).split('..')[0]}` : windowQualifier(w)
      let page: RestPage<RunsPage> = await restPage<RunsPage>(ctx.octokit, list.route, { ...list.params, created, per_page: 100 }, { etags: { credential: ctx.credential, known } })
      unit.requests++
      if (!page.notModified && page.data.total_count >= RUN_RESULT_CAP && w.to.getTime() - w.from.getTime() >= 2000) {
        // Too many for one query: read the window in parts (the last one stays open-ended).
        const parts = splitWindow(w, page.data.total_count, RUN_RESULT_CAP)
        pending.unshift(...parts.map((p, i) => ({ ...p, openEnded: w.openEnded && i === parts.length - 1 })))
        continue
      }
      for (;;) {
        if (page.notModified) {
          etags[etagKey(ctx.credential, page.url)] = page.etag
          break
        }
        const rows = page.data.workflow_runs.map((r) => ({ ...mapWorkflowRun(r), repo_id: repo.id }))
        await inTransaction(ctx.db, (trx) => upsertWorkflowRuns(trx, rows))
        if (page.etag) etags[etagKey(ctx.credential, page.url)] = page.etag
        unit.progress(rows.length)
        if (!page.next) break
        unit.check()
        page = await restNext<RunsPage>(ctx.octokit, page.next, { etags: { credential: ctx.credential, known } })
        unit.requests++
      }
    }
  }
  await unit.succeed({ floor: (await nextFloor(ctx.db, repo.id, ctx.now, floor)).toISOString(), since: extending || !cursor?.since || ctx.full ? sinceIso : cursor.since, etags } satisfies RunsCursor)
}

/** Where the next collect starts: an hour below the newest run stored, or at the oldest run still running. */
async function nextFloor(db: Kysely<Database>, repoId: number, now: Date, floor: Date): Promise<Date> {
  const row = await db
    .selectFrom('workflow_run')
    .select((eb) => [
      eb.fn.max('created_at').as('newest'),
      eb.fn.min(eb.case().when('status', '!=', 'completed').then(eb.ref('created_at')).else(null).end()).as('running'),
    ])
    .where('repo_id', '=', repoId)
    .where('created_at', '>=', new Date(now.getTime() - STUCK_AFTER_MS))
    .executeTakeFirst()
  const newest = row?.newest ? new Date(row.newest).getTime() - RUN_OVERLAP_MS : null
  const running = row?.running ? new Date(row.running).getTime() : null
  const candidates = [newest, running].filter((t): t is number => t !== null)
  if (candidates.length === 0) {
    const anyRow = await db.selectFrom('workflow_run').select((eb) => eb.fn.max('created_at').as('newest')).where('repo_id', '=', repoId).executeTakeFirst()
    if (anyRow?.newest) return new Date(Math.max(floor.getTime(), new Date(anyRow.newest).getTime() - RUN_OVERLAP_MS))
    return floor
  }
  return new Date(Math.max(floor.getTime(), Math.min(...candidates)))
}
