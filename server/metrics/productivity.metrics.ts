import type { AppConfig } from '../config/app-config.ts'
import { byPeriodStart } from '../repositories/kpi/period-sql.ts'
import {
  buildTimeByPeriod,
  changeRecords,
  countChanges,
  countRuns,
  cycleTimeByPeriod,
  earliestMerge,
  firstDeployByPeriod,
  firstDeployRecords,
  reviewPickupByPeriod,
  runRecords,
  type ChangeRecordRow,
  type DurationStats,
} from '../repositories/kpi/productivity.repository.ts'
import type { Period } from './periods.ts'
import type { Formula, MetricContext, MetricRecord, PeriodValue, RecordsPage, RecordsQuery } from './types.ts'
import { iso } from './records.ts'


/**
 * A duration KPI's value from one period's stats: the median with p75, p90 and mean, and the
 * sample size; all null (sampleSize 0) when the period has no row.
 */
export function durationValue(stats: Omit<DurationStats, 'period'> | undefined): PeriodValue {
  if (!stats || stats.n === 0) return { value: null, sampleSize: 0, p75: null, p90: null, mean: null }
  return { value: stats.p50, sampleSize: stats.n, p75: stats.p75, p90: stats.p90, mean: stats.mean }
}

/**
 * The file names of the configured deploy workflows (`sources.github.deployments.workflows`,
 * given as file names or paths): their runs are deployments, not CI builds. Without a GitHub
 * source, DESIGN's default `deploy.yml`.
 */
export function deployWorkflowFiles(config: AppConfig): string[] {
  const workflows = config.sources.github?.deployments.workflows ?? ['deploy.yml']
  return [...new Set(workflows.map((w) => w.slice(w.lastIndexOf('/') + 1)).filter((f) => f !== ''))]
}

/**
 * A count measure for a period: the count when the kind of fact was being collected by the
 * period's end (the earliest such fact is before it), else null — "nothing happened" and "nothing
 * collected yet" must not look alike.
 */
export function collectedCount(count: number, period: Period, since: Date | null): number | null {
  return since !== null && since < period.end ? count : null
}

/** The earliest merge (factsSince's `changes`), read only when some period's count is 0. */
async function changesSinceIfNeeded(ctx: MetricContext, zeroCount: boolean): Promise<Date | null> {
  // Not factsSince: it also scans workflow runs and deployments, half a second on the large demo.
  return zeroCount ? earliestMerge(ctx.db) : null
}

const pageArgs = (ctx: MetricContext, query: RecordsQuery) => ({ scope: ctx.scope, from: query.start, to: query.end, limit: query.limit, offset: query.offset })

async function changesPage(ctx: MetricContext, query: RecordsQuery, value: (r: ChangeRecordRow) => number | null): Promise<RecordsPage> {
  const args = pageArgs(ctx, query)
  const [total, rows] = await Promise.all([countChanges(ctx.db, args), changeRecords(ctx.db, args)])
  return {
    total,
    records: rows.map(
      (r): MetricRecord => ({
        type: 'change',
        id: String(r.id),
        title: r.title,
        at: iso(r.merged_at),
        url: r.url,
        value: value(r),
        fields: {
          repo: r.repo,
          number: r.number,
          author: r.author,
          bot: r.author_is_bot,
          created_at: iso(r.created_at),
          first_review_at: iso(r.first_review_at),
          reviewed: r.first_review_at !== null,
          cycle_hours: r.cycle_hours,
          pickup_hours: r.pickup_hours,
        },
      }),
    ),
  }
}

const prCycleTime: Formula = {
  id: 'productivity.pr_cycle_time',
  async compute(ctx) {
    const rows = byPeriodStart(await cycleTimeByPeriod(ctx.db, { periods: ctx.periods, scope: ctx.scope }))
    return ctx.periods.map((p) => durationValue(rows.get(p.start.getTime())))
  },
  records: (ctx, query) => changesPage(ctx, query, (r) => r.cycle_hours),
}

const reviewPickupTime: Formula = {
  id: 'productivity.review_pickup_time',
  measures: ['unreviewed'],
  async compute(ctx) {
    const rows = byPeriodStart(await reviewPickupByPeriod(ctx.db, { periods: ctx.periods, scope: ctx.scope }))
    const unreviewed = ctx.periods.map((p) => {
      const r = rows.get(p.start.getTime())
      return r ? r.changes - r.n : 0
    })
    const since = await changesSinceIfNeeded(ctx, unreviewed.includes(0))
    return ctx.periods.map((p, i): PeriodValue => {
      const count = unreviewed[i]!
      return { ...durationValue(rows.get(p.start.getTime())), measures: { unreviewed: count === 0 ? collectedCount(0, p, since) : count } }
    })
  },
  records: (ctx, query) => changesPage(ctx, query, (r) => r.pickup_hours),
}

const buildTime: Formula = {
  id: 'productivity.build_time',
  async compute(ctx) {
    const rows = byPeriodStart(await buildTimeByPeriod(ctx.db, { periods: ctx.periods, scope: ctx.scope, deployWorkflowFiles: deployWorkflowFiles(ctx.config) }))
    return ctx.periods.map((p) => durationValue(rows.get(p.start.getTime())))
  },
  async records(ctx, query) {
    const args = { ...pageArgs(ctx, query), deployWorkflowFiles: deployWorkflowFiles(ctx.config) }
    const [total, rows] = await Promise.all([countRuns(ctx.db, args), runRecords(ctx.db, args)])
    return {
      total,
      records: rows.map(
        (r): MetricRecord => ({
          type: 'workflow_run',
          id: String(r.id),
          title: r.name ?? r.workflow_path.slice(r.workflow_path.lastIndexOf('/') + 1),
          at: iso(r.updated_at),
          url: r.url,
          value: r.hours,
          fields: {
            repo: r.repo,
            workflow: r.workflow_path,
            branch: r.head_branch,
            sha: r.head_sha === null ? null : r.head_sha.slice(0, 7),
            conclusion: r.conclusion,
            event: r.event,
          },
        }),
      ),
    }
  },
}

const timeToFirstDeploy: Formula = {
  id: 'productivity.time_to_first_deploy',
  measures: ['waiting'],
  async compute(ctx) {
    const rows = byPeriodStart(await firstDeployByPeriod(ctx.db, { periods: ctx.periods, scope: ctx.scope }))
    const waiting = ctx.periods.map((p) => rows.get(p.start.getTime())?.waiting ?? 0)
    const since = await changesSinceIfNeeded(ctx, waiting.includes(0))
    return ctx.periods.map((p, i): PeriodValue => {
      const count = waiting[i]!
      return { ...durationValue(rows.get(p.start.getTime())), measures: { waiting: count === 0 ? collectedCount(0, p, since) : count } }
    })
  },
  async records(ctx, query) {
    const args = pageArgs(ctx, query)
    const rows = await firstDeployRecords(ctx.db, args)
    // Past the last row the window count is lost with the rows: read it from the first page.
    const total = rows.length > 0 ? rows[0]!.total : args.offset === 0 ? 0 : ((await firstDeployRecords(ctx.db, { ...args, limit: 1, offset: 0 }))[0]?.total ?? 0)
    return {
      total,
      records: rows.map(
        (r): MetricRecord => ({
          type: 'author',
          id: r.author,
          title: r.author,
          at: iso(r.first_deploy_at),
          url: r.pr_url,
          value: r.days,
          fields: {
            repo: r.repo,
            first_pr: `${r.repo}#${r.pr_number}`,
            first_pr_title: r.pr_title,
            first_pr_at: iso(r.first_pr_at),
            deployment_id: r.deployment_id,
            deployment_url: r.deployment_url,
            service: r.service,
            environment: r.environment,
          },
        }),
      ),
    }
  },
}

/**
 * The productivity family's formulas (DESIGN §4): PR cycle time and review pickup time (hours,
 * over changes merged in the period), build time (hours, over CI runs on the default branch
 * finishing in the period) and time to first deploy (days, over authors whose first production
 * deployment finished in the period).
 */
export const productivityFormulas: Formula[] = [prCycleTime, reviewPickupTime, buildTime, timeToFirstDeploy]
