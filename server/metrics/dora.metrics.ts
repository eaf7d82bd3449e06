import {
  countDeployments,
  countShippedChanges,
  deploymentsPerDay,
  failuresByPeriod,
  firstProductionDeploymentAt,
  incidentLinksByPeriod,
  leadTimeByPeriod,
  listDeployments,
  listShippedChanges,
  recoveryByPeriod,
  reworkByPeriod,
  shippingCoverageByPeriod,
  type DeploymentRecordRow,
} from '../repositories/kpi/dora.repository.ts'
import { byPeriodStart, rangeOf } from '../repositories/kpi/period-sql.ts'
import { parseLocalDate, periodContaining, shiftPeriod, type Period, type PeriodKind } from './periods.ts'
import type { Formula, MetricContext, MetricRecord, PeriodValue, RecordsPage, RecordsQuery } from './types.ts'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
const NOT_COLLECTED = 'no production deployments collected for this period'

/** Continuous median (PostgreSQL `percentile_cont(0.5)`): the mean of the middle two of an even sample; null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length / 2
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!
}

/** The periods of `kind` (weeks or months) that start within `period`, oldest first. */
export function periodsStartingIn(kind: PeriodKind, period: Period, timezone: string): Period[] {
  let p = periodContaining(kind, period.start, timezone)
  if (p.start < period.start) p = shiftPeriod(p, 1, timezone)
  const out: Period[] = []
  for (; p.start < period.end; p = shiftPeriod(p, 1, timezone)) out.push(p)
  return out
}

/** Local calendar days in a period (23- and 25-hour DST days count as one). */
export function daysIn(period: Period): number {
  return Math.round((period.end.getTime() - period.start.getTime()) / DAY_MS)
}

/** A day with deployments: the instant its local midnight starts, and how many finished that day. */
export interface DeploymentDay {
  at: number
  deployments: number
}

/** Deployment-frequency measures of one period (DESIGN §4, `dora.deployment_frequency`). */
export interface FrequencyMeasures {
  count: number
  per_day: number
  deployment_days: number
  weekly_deploy_days_median: number | null
  monthly_deploy_days_median: number | null
}

/**
 * Deployment frequency of `period` from its deployment days (which must cover every ISO week
 * starting in it, whole): the count, count ÷ days, distinct deployment days, the median number of
 * deployment days over the ISO weeks starting in the period (weeks without deployments count 0),
 * and the median over the calendar months starting in it (for a week period: the week's own days).
 */
export function frequencyMeasures(period: Period, days: readonly DeploymentDay[], timezone: string): FrequencyMeasures {
  const within = (p: Period) => days.filter((d) => d.at >= p.start.getTime() && d.at < p.end.getTime())
  const own = within(period)
  const count = own.reduce((s, d) => s + d.deployments, 0)
  const weekly = periodsStartingIn('week', period, timezone).map((w) => within(w).length)
  const monthly = period.kind === 'week' ? [own.length] : periodsStartingIn('month', period, timezone).map((m) => within(m).length)
  return {
    count,
    per_day: count / daysIn(period),
    deployment_days: own.length,
    weekly_deploy_days_median: median(weekly),
    monthly_deploy_days_median: median(monthly),
  }
}

/** Whether deployments were collected for the period: the earliest production deployment finished before it ends. */
const collected = (since: Date | null, period: Period) => since !== null && since < period.end

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole)

const deploymentsSince = (ctx: MetricContext) => firstProductionDeploymentAt(ctx.db)

const deploymentFrequency: Formula = {
  id: 'dora.deployment_frequency',
  measures: ['per_day', 'deployment_days', 'weekly_deploy_days_median', 'monthly_deploy_days_median'],
  async compute(ctx) {
    const range = rangeOf(ctx.periods, ctx.timezone)
    // Weeks starting in the last period run past its end: read their whole days too.
    const lastWeek = periodContaining('week', new Date(range.to.getTime() - 1), ctx.timezone)
    const to = lastWeek.end > range.to ? lastWeek.end : range.to
    const [rows, since] = await Promise.all([deploymentsPerDay(ctx.db, { range: { ...range, to }, scope: ctx.scope }), deploymentsSince(ctx)])
    const days = rows.map((r) => ({ at: parseLocalDate(r.day, ctx.timezone)!.getTime(), deployments: r.deployments }))
    return ctx.periods.map((p): PeriodValue => {
      if (!collected(since, p)) {
        return { value: null, sampleSize: 0, measures: { per_day: null, deployment_days: null, weekly_deploy_days_median: null, monthly_deploy_days_median: null }, reason: NOT_COLLECTED }
      }
      const { count, ...measures } = frequencyMeasures(p, days, ctx.timezone)
      return { value: count, sampleSize: count, measures }
    })
  },
  records: (ctx, query) => deploymentRecords(ctx, query, () => ({ value: 1 })),
}

const leadTime: Formula = {
  id: 'dora.lead_time',
  async compute(ctx) {
    const args = { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope }
    const [lead, coverage] = await Promise.all([leadTimeByPeriod(ctx.db, args), shippingCoverageByPeriod(ctx.db, args)])
    const byLead = byPeriodStart(lead)
    const byCoverage = byPeriodStart(coverage)
    return ctx.periods.map((p): PeriodValue => {
      const r = byLead.get(p.start.getTime())
      const c = byCoverage.get(p.start.getTime())
      return {
        value: r?.p50 ?? null,
        sampleSize: r?.changes ?? 0,
        coverage: c ? ratio(c.shipped, c.merged) : null,
        p75: r?.p75 ?? null,
        p90: r?.p90 ?? null,
        mean: r?.mean ?? null,
        breakdown: { coding: r?.coding ?? null, pickup: r?.pickup ?? null, review: r?.review ?? null, deploy: r?.deploy ?? null },
      }
    })
  },
  async records(ctx, query) {
    const args = { scope: ctx.scope, start: query.start, end: query.end }
    const [total, rows] = await Promise.all([countShippedChanges(ctx.db, args), listShippedChanges(ctx.db, { ...args, limit: query.limit, offset: query.offset })])
    return {
      total,
      records: rows.map(
        (r): MetricRecord => ({
          type: 'change',
          id: String(r.id),
          title: r.title,
          at: new Date(r.shipped_at).toISOString(),
          url: r.url,
          value: r.lead,
          fields: {
            repo: r.repo,
            number: r.number,
            service: r.service,
            deployment_id: r.deployment_id,
            method: r.method,
            coding_hours: r.coding,
            pickup_hours: r.pickup,
            review_hours: r.review,
            deploy_hours: r.deploy,
          },
        }),
      ),
    }
  },
}

const changeFailureRate: Formula = {
  id: 'dora.change_failure_rate',
  measures: ['failed'],
  async compute(ctx) {
    const args = { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope }
    const [failures, links, since] = await Promise.all([failuresByPeriod(ctx.db, args), incidentLinksByPeriod(ctx.db, args), deploymentsSince(ctx)])
    const byFailures = byPeriodStart(failures)
    const byLinks = byPeriodStart(links)
    return ctx.periods.map((p): PeriodValue => {
      const f = byFailures.get(p.start.getTime())
      const l = byLinks.get(p.start.getTime())
      const deployments = f?.deployments ?? 0
      return {
        value: f ? ratio(f.failed, deployments) : null,
        sampleSize: deployments,
        coverage: l ? ratio(l.linked, l.incidents) : null,
        measures: { failed: collected(since, p) ? (f?.failed ?? 0) : null },
        ...(collected(since, p) ? {} : { reason: NOT_COLLECTED }),
      }
    })
  },
  records: (ctx, query) => deploymentRecords(ctx, query, (d) => ({ value: d.failure_reasons === null ? 0 : 1 })),
}

const recoveryTime: Formula = {
  id: 'dora.recovery_time',
  measures: ['unrecovered', 'failed'],
  async compute(ctx) {
    const args = { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope }
    const [rows, since] = await Promise.all([recoveryByPeriod(ctx.db, args), deploymentsSince(ctx)])
    const byPeriod = byPeriodStart(rows)
    return ctx.periods.map((p): PeriodValue => {
      const r = byPeriod.get(p.start.getTime())
      const known = collected(since, p)
      return {
        value: r?.p50 ?? null,
        sampleSize: r?.recovered ?? 0,
        p75: r?.p75 ?? null,
        p90: r?.p90 ?? null,
        mean: r?.mean ?? null,
        measures: { unrecovered: known ? (r ? r.failed - r.recovered : 0) : null, failed: known ? (r?.failed ?? 0) : null },
      }
    })
  },
  records: (ctx, query) => deploymentRecords(ctx, query, (d) => ({ value: recoveryHours(d) }), { failedOnly: true }),
}

const reworkRate: Formula = {
  id: 'dora.rework_rate',
  measures: ['rework', 'rollback', 'revert', 'hotfix', 'incident_linked'],
  async compute(ctx) {
    const args = { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope }
    const [rows, since] = await Promise.all([reworkByPeriod(ctx.db, args), deploymentsSince(ctx)])
    const byPeriod = byPeriodStart(rows)
    return ctx.periods.map((p): PeriodValue => {
      const r = byPeriod.get(p.start.getTime())
      const known = collected(since, p)
      const count = (n: number | undefined) => (known ? (n ?? 0) : null)
      return {
        value: r ? ratio(r.rework, r.deployments) : null,
        sampleSize: r?.deployments ?? 0,
        measures: { rework: count(r?.rework), rollback: count(r?.rollback), revert: count(r?.revert), hotfix: count(r?.hotfix), incident_linked: count(r?.incident_linked) },
        ...(known ? {} : { reason: NOT_COLLECTED }),
      }
    })
  },
  records: (ctx, query) => deploymentRecords(ctx, query, (d) => ({ value: reworkReasons(d) === null ? 0 : 1 })),
}

/** Hours from a failed deployment's finish to its recovery (0 when earlier), null when not recovered. */
function recoveryHours(d: DeploymentRecordRow): number | null {
  if (d.recovered_at === null) return null
  return Math.max(0, new Date(d.recovered_at).getTime() - new Date(d.finished_at).getTime()) / HOUR_MS
}

function reworkReasons(d: DeploymentRecordRow): string | null {
  const reasons = [d.rollback && 'rollback', d.revert && 'revert', d.hotfix && 'hotfix', d.incident_linked && 'incident_linked'].filter(Boolean)
  return reasons.length === 0 ? null : reasons.join(',')
}

/** The successful production deployments behind a DORA value, newest first; `value` says what each contributes. */
async function deploymentRecords(
  ctx: MetricContext,
  query: RecordsQuery,
  contribution: (d: DeploymentRecordRow) => { value: number | null },
  options: { failedOnly?: boolean } = {},
): Promise<RecordsPage> {
  const args = { scope: ctx.scope, start: query.start, end: query.end, ...options }
  const [total, rows] = await Promise.all([countDeployments(ctx.db, args), listDeployments(ctx.db, { ...args, limit: query.limit, offset: query.offset })])
  return {
    total,
    records: rows.map((d): MetricRecord => {
      const sha = d.sha === null ? null : d.sha.slice(0, 7)
      return {
        type: 'deployment',
        id: String(d.id),
        title: `${d.service} → ${d.environment}${sha ? ` @ ${sha}` : ''}`,
        at: new Date(d.finished_at).toISOString(),
        url: d.url,
        ...contribution(d),
        fields: {
          service: d.service,
          environment: d.environment,
          repo: d.repo,
          sha,
          source: d.source,
          status: 'success',
          failed: d.failure_reasons !== null,
          failure_reasons: d.failure_reasons,
          rework_reasons: reworkReasons(d),
          recovered_at: d.recovered_at === null ? null : new Date(d.recovered_at).toISOString(),
          recovery_hours: recoveryHours(d),
        },
      }
    }),
  }
}

/** The dora family's formulas (DESIGN §4): deployment frequency, lead time, change failure rate, recovery time, rework rate. */
export const doraFormulas: Formula[] = [deploymentFrequency, leadTime, changeFailureRate, recoveryTime, reworkRate]
