import { earliestIncidentStart, listIncidents } from '../repositories/kpi/incidents.repository.ts'
import { byPeriodStart, rangeOf } from '../repositories/kpi/period-sql.ts'
import { listRepositoriesAt, repositoryStatesAt } from '../repositories/kpi/platform.repository.ts'
import { listAlertsDue, securityIncidentsByPeriod, vulnerabilitySlaByPeriod } from '../repositories/kpi/security.repository.ts'
import { collectedFor, ratio } from './incidents.metrics.ts'
import { localIsoDate } from './periods.ts'
import type { Formula, MetricContext, MetricRecord, PeriodValue } from './types.ts'
import { iso } from './records.ts'


/** The point repositories are looked at for a period: observations dated up to its last local day. */
export function asOfEnd(period: { end: Date }, timezone: string): { day: string; end: Date } {
  return { day: localIsoDate(period.end, timezone), end: period.end }
}

/** Repository states at the end of each of the context's periods, keyed by the period's start. */
export async function repositoryStatesByPeriod(ctx: MetricContext) {
  const points = ctx.periods.map((p) => asOfEnd(p, ctx.timezone))
  const rows = new Map((await repositoryStatesAt(ctx.db, { scope: ctx.scope, asOf: points })).map((r) => [r.day, r]))
  return new Map(ctx.periods.map((p, i) => [p.start.getTime(), rows.get(points[i]!.day)]))
}

/** The active repositories behind one period's coverage or adoption value. */
export async function repositoryRecords(ctx: MetricContext, q: { end: Date; limit: number; offset: number }, adoption: boolean) {
  const { total, rows } = await listRepositoriesAt(ctx.db, { scope: ctx.scope, asOf: asOfEnd(q, ctx.timezone), adoptionKnown: adoption, limit: q.limit, offset: q.offset })
  return {
    total,
    records: rows.map(
      (r): MetricRecord => ({
        type: 'repository',
        id: String(r.id),
        title: r.full_name,
        at: r.observed_on,
        url: r.url,
        value: (adoption ? r.adoption === 'yes' : r.scanned) ? 1 : 0,
        fields: { observed_on: r.observed_on, archived: r.archived, dependabot_alerts: r.dependabot_alerts, code_scanning: r.code_scanning, adoption: r.adoption },
      }),
    ),
  }
}

/**
 * `security.incidents`: incidents flagged security started in each period (count; 0 once
 * incidents are collected, null before), with `measures.median_hours_to_contain`: the median
 * hours from start to resolution of those already resolved (resolution is the containment time
 * the incident tools record).
 */
const securityIncidents: Formula = {
  id: 'security.incidents',
  measures: ['median_hours_to_contain', 'resolved'],
  async compute(ctx) {
    const [since, raw] = await Promise.all([earliestIncidentStart(ctx.db), securityIncidentsByPeriod(ctx.db, { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope })])
    const rows = byPeriodStart(raw)
    return ctx.periods.map((p): PeriodValue => {
      if (!collectedFor(p, since)) return { value: null, sampleSize: 0, measures: { median_hours_to_contain: null, resolved: null }, reason: 'no incidents collected for this period' }
      const r = rows.get(p.start.getTime())
      return { value: r?.incidents ?? 0, sampleSize: r?.incidents ?? 0, measures: { median_hours_to_contain: r?.median_hours ?? null, resolved: r?.resolved ?? 0 } }
    })
  },
  async records(ctx, q) {
    const { total, rows } = await listIncidents(ctx.db, { kind: 'security_started', from: q.start, to: q.end, scope: ctx.scope, limit: q.limit, offset: q.offset })
    return {
      total,
      records: rows.map((r) => ({
        type: 'incident',
        id: String(r.id),
        title: r.title,
        at: iso(r.at),
        url: r.url,
        value: r.hours,
        fields: { reference: r.reference, source: r.source, severity: r.severity, service: r.service, team: r.team_id, status: r.status, started_at: iso(r.started_at), resolved_at: iso(r.resolved_at), hours_to_contain: r.hours },
      })),
    }
  },
}

/**
 * `security.vuln_sla_compliance`: of the critical and high Dependabot alerts whose deadline
 * (created + 15 days critical, + 30 days high) falls in each period and has passed by now, the
 * share fixed or dismissed by it (fraction 0–1). Open alerts past their deadline and alerts
 * resolved after it are breaches; deadlines still ahead are not counted yet (`not_yet_due`),
 * so an early fix does not count before the late ones could. Measures: due, met, breached, not_yet_due.
 */
const vulnSlaCompliance: Formula = {
  id: 'security.vuln_sla_compliance',
  measures: ['due', 'met', 'breached', 'not_yet_due'],
  async compute(ctx) {
    const rows = byPeriodStart(await vulnerabilitySlaByPeriod(ctx.db, { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope, now: ctx.now }))
    return ctx.periods.map((p): PeriodValue => {
      const r = rows.get(p.start.getTime())
      const due = r?.due ?? 0
      const met = r?.met ?? 0
      return { value: ratio(met, due), sampleSize: due, measures: { due, met, breached: due - met, not_yet_due: r?.not_yet_due ?? 0 } }
    })
  },
  async records(ctx, q) {
    const { total, rows } = await listAlertsDue(ctx.db, { from: q.start, to: q.end, scope: ctx.scope, now: ctx.now, limit: q.limit, offset: q.offset })
    return {
      total,
      records: rows.map(
        (r): MetricRecord => ({
          type: 'alert',
          id: String(r.id),
          title: `${r.package ?? 'dependency'} (${r.severity})`,
          at: iso(r.due_at),
          url: r.url,
          value: r.met ? 1 : 0,
          fields: { repo: r.repo, number: r.number, severity: r.severity, package: r.package, state: r.state, created_at: iso(r.created_at), due_at: iso(r.due_at), resolved_at: iso(r.resolved_at), met: r.met },
        }),
      ),
    }
  },
}

/**
 * `security.scanning_coverage`: of the active (not archived) repositories at each period's end,
 * the share with Dependabot alerts or code scanning enabled (fraction 0–1), each repository as
 * its latest observation up to the period's last day says; 'unknown' (no rights to see) counts
 * as not enabled. Repositories not observed by then are left out (`measures.unobserved`).
 */
const scanningCoverage: Formula = {
  id: 'security.scanning_coverage',
  measures: ['scanned', 'active', 'archived', 'unobserved'],
  async compute(ctx) {
    const states = await repositoryStatesByPeriod(ctx)
    return ctx.periods.map((p): PeriodValue => {
      const r = states.get(p.start.getTime())
      const active = r?.active ?? 0
      const scanned = r?.scanned ?? 0
      return { value: ratio(scanned, active), sampleSize: active, measures: { scanned, active, archived: r?.archived ?? 0, unobserved: r?.unobserved ?? 0 } }
    })
  },
  records: (ctx, q) => repositoryRecords(ctx, q, false),
}

/** The security family's formulas (DESIGN §4). */
export const securityFormulas: Formula[] = [securityIncidents, vulnSlaCompliance, scanningCoverage]
