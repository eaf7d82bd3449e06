import { listMilestoneIssues, listTechDebt, roadmapByPeriod, techDebtByPeriod } from '../repositories/kpi/delivery.repository.ts'
import { byPeriodStart, rangeOf } from '../repositories/kpi/period-sql.ts'
import { ratio } from './incidents.metrics.ts'
import { labelsOf } from './quality.metrics.ts'
import type { Formula, MetricRecord, PeriodValue } from './types.ts'
import { iso, issueRecord } from './records.ts'


/**
 * `delivery.roadmap_predictability`: of the issues in milestones due in each period, the share
 * closed by the end of the milestone's due date (fraction 0–1). A milestone counts once its due
 * date has ended (`measures.not_yet_due` counts the others). Measures: milestones, on_time, not_yet_due.
 */
const roadmapPredictability: Formula = {
  id: 'delivery.roadmap_predictability',
  measures: ['milestones', 'on_time', 'not_yet_due'],
  async compute(ctx) {
    const rows = byPeriodStart(await roadmapByPeriod(ctx.db, { range: rangeOf(ctx.periods, ctx.timezone), scope: ctx.scope, now: ctx.now }))
    return ctx.periods.map((p): PeriodValue => {
      const r = rows.get(p.start.getTime())
      const issues = r?.issues ?? 0
      const onTime = r?.on_time ?? 0
      return { value: ratio(onTime, issues), sampleSize: issues, measures: { milestones: r?.milestones ?? 0, on_time: onTime, not_yet_due: r?.not_yet_due ?? 0 } }
    })
  },
  async records(ctx, q) {
    const { total, rows } = await listMilestoneIssues(ctx.db, { from: q.start, to: q.end, scope: ctx.scope, timezone: ctx.timezone, now: ctx.now, limit: q.limit, offset: q.offset })
    return {
      total,
      records: rows.map(
        (r): MetricRecord =>
          issueRecord(r, r.due_on, r.on_time ? 1 : 0, { milestone: r.milestone, due_on: iso(r.due_on), deadline: iso(r.deadline), closed_at: iso(r.closed_at), on_time: r.on_time }),
      ),
    }
  },
}

/**
 * `delivery.tech_debt_burndown`: of the tech-debt-labelled issues open at each period's start,
 * the share closed during the period (fraction 0–1). Measures: open_at_start, closed.
 */
const techDebtBurndown: Formula = {
  id: 'delivery.tech_debt_burndown',
  measures: ['open_at_start', 'closed'],
  async compute(ctx) {
    const rows = byPeriodStart(await techDebtByPeriod(ctx.db, { periods: ctx.periods, scope: ctx.scope, labels: labelsOf(ctx).techDebt }))
    return ctx.periods.map((p): PeriodValue => {
      const r = rows.get(p.start.getTime())
      const open = r?.open_at_start ?? 0
      const closed = r?.closed ?? 0
      return { value: ratio(closed, open), sampleSize: open, measures: { open_at_start: open, closed } }
    })
  },
  async records(ctx, q) {
    const { total, rows } = await listTechDebt(ctx.db, { period: q, scope: ctx.scope, labels: labelsOf(ctx).techDebt, limit: q.limit, offset: q.offset })
    return {
      total,
      records: rows.map(
        (r): MetricRecord =>
          issueRecord(r, r.closed_at ?? r.created_at, r.closed_at ? 1 : 0, { labels: r.labels.join(', '), created_at: iso(r.created_at), closed_at: iso(r.closed_at) }),
      ),
    }
  },
}

/** The delivery family's formulas (DESIGN §4). */
export const deliveryFormulas: Formula[] = [roadmapPredictability, techDebtBurndown]
