import { DEFAULT_LABELS, type LabelConfig } from '../config/app-config.ts'
import { byPeriodStart, rangeOf } from '../repositories/kpi/period-sql.ts'
import { bugsByPeriod, earliestIssueCreated, listBugs, type BugLabels } from '../repositories/kpi/quality.repository.ts'
import { collectedFor, ratio } from './incidents.metrics.ts'
import type { Formula, MetricContext, MetricRecord, PeriodValue, RecordsPage, RecordsQuery } from './types.ts'
import { iso, issueRecord } from './records.ts'

/** The configured GitHub labels, or the defaults when GitHub is not configured. */
export function labelsOf(ctx: MetricContext): LabelConfig {
  return ctx.config.sources.github?.labels ?? DEFAULT_LABELS
}

const bugLabels = (ctx: MetricContext): BugLabels => {
  const l = labelsOf(ctx)
  return { bug: l.bug, escaped: l.escaped, customer: l.customer, critical: l.critical }
}


function bugRecords(customerCritical: boolean) {
  return async (ctx: MetricContext, q: RecordsQuery): Promise<RecordsPage> => {
    const { total, rows } = await listBugs(ctx.db, { from: q.start, to: q.end, scope: ctx.scope, labels: bugLabels(ctx), customerCritical, limit: q.limit, offset: q.offset })
    return {
      total,
      records: rows.map(
        (r): MetricRecord =>
          issueRecord(r, r.created_at, customerCritical || r.escaped ? 1 : 0, { labels: r.labels.join(', '), escaped: r.escaped, closed_at: iso(r.closed_at) }),
      ),
    }
  }
}

/**
 * `quality.escaped_defect_rate`: of the issues labelled bug opened in each period, the share also
 * labelled escaped (fraction 0–1; null with no bugs); `measures.escaped` and `measures.bugs`.
 */
const escapedDefectRate: Formula = {
  id: 'quality.escaped_defect_rate',
  measures: ['escaped', 'bugs'],
  async compute(ctx) {
    const rows = byPeriodStart(await bugsByPeriod(ctx.db, { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope, labels: bugLabels(ctx) }))
    return ctx.periods.map((p): PeriodValue => {
      const r = rows.get(p.start.getTime())
      const bugs = r?.bugs ?? 0
      const escaped = r?.escaped ?? 0
      return { value: ratio(escaped, bugs), sampleSize: bugs, measures: { escaped, bugs } }
    })
  },
  records: bugRecords(false),
}

/**
 * `quality.customer_critical_bugs`: issues labelled bug, customer-reported and critical opened in
 * each period (count; 0 once issues are collected, null before the earliest collected issue).
 */
const customerCriticalBugs: Formula = {
  id: 'quality.customer_critical_bugs',
  async compute(ctx) {
    const [since, raw] = await Promise.all([earliestIssueCreated(ctx.db), bugsByPeriod(ctx.db, { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope, labels: bugLabels(ctx) })])
    const rows = byPeriodStart(raw)
    return ctx.periods.map((p): PeriodValue => {
      if (!collectedFor(p, since)) return { value: null, sampleSize: 0, reason: 'no issues collected for this period' }
      const n = rows.get(p.start.getTime())?.customer_critical ?? 0
      return { value: n, sampleSize: n }
    })
  },
  records: bugRecords(true),
}

/** The quality family's formulas (DESIGN §4). */
export const qualityFormulas: Formula[] = [escapedDefectRate, customerCriticalBugs]
