import {
  earliestIncidentStart,
  listIncidents,
  listRepeatIncidents,
  repeatsByPeriod,
  sev12ResolutionByPeriod,
  sev12StartedByPeriod,
  type IncidentListKind,
} from '../repositories/kpi/incidents.repository.ts'
import { byPeriodStart, rangeOf } from '../repositories/kpi/period-sql.ts'
import type { Formula, MetricContext, MetricRecord, PeriodValue, RecordsPage, RecordsQuery } from './types.ts'
import { iso } from './records.ts'


/** A share, or null over an empty denominator (never 0). */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null
}

/**
 * Whether a count can be reported as 0 for a period: only when facts of its kind had been
 * collected before the period ended (`since` = the earliest such fact, null when there is none).
 */
export function collectedFor(period: { end: Date }, since: Date | null): boolean {
  return since !== null && period.end.getTime() > since.getTime()
}

type IncidentRow = Awaited<ReturnType<typeof listIncidents>>['rows'][number]

function incidentRecord(r: IncidentRow & { at: Date | string }, value: number | null, extra: MetricRecord['fields'] = {}): MetricRecord {
  return {
    type: 'incident',
    id: String(r.id),
    title: r.title,
    at: iso(r.at),
    url: r.url,
    value,
    fields: {
      reference: r.reference,
      source: r.source,
      severity: r.severity,
      service: r.service,
      team: r.team_id,
      status: r.status,
      security: r.is_security,
      started_at: iso(r.started_at),
      resolved_at: iso(r.resolved_at),
      duration_hours: r.hours,
      ...extra,
    },
  }
}

function incidentRecords(kind: IncidentListKind, value: (r: IncidentRow) => number | null) {
  return async (ctx: MetricContext, q: RecordsQuery): Promise<RecordsPage> => {
    const { total, rows } = await listIncidents(ctx.db, { kind, from: q.start, to: q.end, scope: ctx.scope, limit: q.limit, offset: q.offset })
    return { total, records: rows.map((r) => incidentRecord(r, value(r))) }
  }
}

/**
 * `incidents.mttr`: mean hours from start to resolution of the sev1–sev2 incidents resolved in
 * each period (value = mean), with the median in `measures.median` and p75/p90 beside it.
 */
const mttr: Formula = {
  id: 'incidents.mttr',
  measures: ['median'],
  async compute(ctx) {
    const rows = byPeriodStart(await sev12ResolutionByPeriod(ctx.db, { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope }))
    return ctx.periods.map((p): PeriodValue => {
      const r = rows.get(p.start.getTime())
      if (!r) return { value: null, sampleSize: 0, mean: null, p75: null, p90: null, measures: { median: null } }
      return { value: r.mean, sampleSize: r.incidents, mean: r.mean, p75: r.p75, p90: r.p90, measures: { median: r.p50 } }
    })
  },
  records: incidentRecords('sev12_resolved', (r) => r.hours),
}

/**
 * `incidents.sev12_count`: sev1 + sev2 incidents started in each period (0 once incidents are
 * collected, null before the earliest incident), with `measures.sev1` and `measures.sev2`.
 */
const sev12Count: Formula = {
  id: 'incidents.sev12_count',
  measures: ['sev1', 'sev2'],
  async compute(ctx) {
    const [since, raw] = await Promise.all([earliestIncidentStart(ctx.db), sev12StartedByPeriod(ctx.db, { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope })])
    const rows = byPeriodStart(raw)
    return ctx.periods.map((p): PeriodValue => {
      if (!collectedFor(p, since)) return { value: null, sampleSize: 0, measures: { sev1: null, sev2: null }, reason: 'no incidents collected for this period' }
      const sev1 = rows.get(p.start.getTime())?.sev1 ?? 0
      const sev2 = rows.get(p.start.getTime())?.sev2 ?? 0
      return { value: sev1 + sev2, sampleSize: sev1 + sev2, measures: { sev1, sev2 } }
    })
  },
  records: incidentRecords('sev12_started', () => 1),
}

/**
 * `incidents.repeat_rate`: share of the incidents started in each period (any severity) whose
 * root-cause key matches an incident that started in the 90 days before it; `measures.repeats`.
 */
const repeatRate: Formula = {
  id: 'incidents.repeat_rate',
  measures: ['repeats'],
  async compute(ctx) {
    const rows = byPeriodStart(await repeatsByPeriod(ctx.db, { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope }))
    return ctx.periods.map((p): PeriodValue => {
      const r = rows.get(p.start.getTime())
      if (!r) return { value: null, sampleSize: 0, measures: { repeats: null } }
      return { value: ratio(r.repeats, r.incidents), sampleSize: r.incidents, measures: { repeats: r.repeats } }
    })
  },
  async records(ctx, q) {
    const { total, rows } = await listRepeatIncidents(ctx.db, { from: q.start, to: q.end, scope: ctx.scope, limit: q.limit, offset: q.offset })
    return {
      total,
      records: rows.map((r) => {
        const hours = r.resolved_at === null ? null : Math.max(0, (new Date(r.resolved_at).getTime() - new Date(r.started_at).getTime()) / 3_600_000)
        return incidentRecord({ ...r, hours, at: r.started_at }, r.repeat ? 1 : 0, { root_cause_key: r.root_cause_key, repeat: r.repeat, repeat_of: r.repeat_of })
      }),
    }
  },
}

/** The incidents family's formulas (DESIGN §4). */
export const incidentsFormulas: Formula[] = [mttr, sev12Count, repeatRate]
