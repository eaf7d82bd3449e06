import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { type SliTotals, sloTotalsBetween, sloTotalsByPeriod } from '../repositories/kpi/slo.repository.ts'
import { byPeriodStart, rangeOf } from '../repositories/kpi/period-sql.ts'
import type { Slo } from '../slo/openslo.ts'
import type { Period } from './periods.ts'
import { attainmentOf, burnOf, objectiveOf, sliceSpec, slosInScope } from './slo-attainment.ts'
import type { Formula, MetricContext, MetricRecord, PeriodValue, RecordsPage, RecordsQuery } from './types.ts'

/** One SLO over one period. */
export interface SloPeriodResult {
  slo: Slo
  /** 0–1; null without data in the period. */
  attainment: number | null
  /** Budget consumed ÷ budget for the period; null without data. */
  burn: number | null
  /** attainment ≥ objective; null without data. */
  met: boolean | null
  totals: SliTotals | null
}

/** Attainment, burn and whether the objective is met, from one SLO's totals. */
export function sloResult(slo: Slo, totals: SliTotals | undefined): SloPeriodResult {
  const target = objectiveOf(slo).target
  const attainment = attainmentOf(slo.budgetingMethod, totals)
  return { slo, attainment, burn: burnOf(target, attainment), met: attainment === null ? null : attainment >= target, totals: totals ?? null }
}

/**
 * Per period (in order), the result of each of `slos` (in order): attainment, burn and whether the
 * objective is met over the samples starting in the period. One query for all periods and SLOs.
 */
export async function sloResultsForPeriods(db: Kysely<Database>, slos: readonly Slo[], periods: readonly Period[], timezone: string): Promise<SloPeriodResult[][]> {
  if (periods.length === 0) return []
  const rows = await sloTotalsByPeriod(db, { range: rangeOf(periods, timezone), slos: slos.map(sliceSpec) })
  const bySlo = new Map<string, (typeof rows)[number][]>()
  for (const r of rows) {
    const list = bySlo.get(r.sloId)
    if (list) list.push(r)
    else bySlo.set(r.sloId, [r])
  }
  const periodsOf = new Map([...bySlo].map(([id, list]) => [id, byPeriodStart(list)]))
  return periods.map((p) => slos.map((slo) => sloResult(slo, periodsOf.get(slo.id)?.get(p.start.getTime()))))
}

const resultsOf = (ctx: MetricContext) => sloResultsForPeriods(ctx.db, slosInScope(ctx.scope, ctx.slos), ctx.periods, ctx.timezone)

const NO_SLOS = 'no SLO is defined for a service in this scope'
const measureKey = (slo: Slo) => `slo:${slo.id}`

/**
 * `slo.compliance`: per period, the share of SLOs in scope with data whose attainment meets the
 * objective (0–1; null when none has data); sampleSize = SLOs with data. Measures: `met` (how
 * many met it) and `slo:<id>` = each SLO's attainment (null without data).
 */
export const sloCompliance: Formula = {
  id: 'slo.compliance',
  measures: ['met'],
  async compute(ctx) {
    const results = await resultsOf(ctx)
    return results.map((list): PeriodValue => {
      const withData = list.filter((r) => r.attainment !== null)
      const met = withData.filter((r) => r.met).length
      const value: PeriodValue = {
        value: withData.length > 0 ? met / withData.length : null,
        sampleSize: withData.length,
        measures: { met: withData.length > 0 ? met : null, ...Object.fromEntries(list.map((r) => [measureKey(r.slo), r.attainment])) },
      }
      if (list.length === 0) value.reason = NO_SLOS
      return value
    })
  },
  records: (ctx, query) => sloRecords(ctx, query, (r) => (r.met === null ? null : r.met ? 1 : 0)),
}

/**
 * `slo.error_budget_burn`: per period, the highest burn (budget consumed ÷ budget, 1.0 = exactly
 * spent) among SLOs in scope with data; null when none has data; sampleSize = SLOs with data.
 * Measures: `slo:<id>` = each SLO's burn (null without data).
 */
export const sloErrorBudgetBurn: Formula = {
  id: 'slo.error_budget_burn',
  measures: [],
  async compute(ctx) {
    const results = await resultsOf(ctx)
    return results.map((list): PeriodValue => {
      const burns = list.map((r) => r.burn).filter((b): b is number => b !== null)
      const value: PeriodValue = {
        value: burns.length > 0 ? Math.max(...burns) : null,
        sampleSize: burns.length,
        measures: Object.fromEntries(list.map((r) => [measureKey(r.slo), r.burn])),
      }
      if (list.length === 0) value.reason = NO_SLOS
      return value
    })
  },
  records: (ctx, query) => sloRecords(ctx, query, (r) => r.burn),
}

/**
 * The SLOs in scope over [start, end), the highest burn first (those without data last), each
 * with its attainment, objective, good and total events, burn and whether it met the objective.
 */
async function sloRecords(ctx: MetricContext, query: RecordsQuery, valueOf: (r: SloPeriodResult) => number | null): Promise<RecordsPage> {
  const slos = slosInScope(ctx.scope, ctx.slos)
  const rows = await sloTotalsBetween(ctx.db, { from: query.start, to: query.end, slos: slos.map(sliceSpec) })
  const totals = new Map(rows.map((r) => [r.sloId, r]))
  const results = slos
    .map((slo) => sloResult(slo, totals.get(slo.id)))
    .sort((a, b) => (b.burn ?? -Infinity) - (a.burn ?? -Infinity) || a.slo.id.localeCompare(b.slo.id))
  const records = results.slice(query.offset, query.offset + query.limit).map((r): MetricRecord => {
    const o = objectiveOf(r.slo)
    const slices = r.slo.budgetingMethod !== 'Occurrences' && r.totals
    return {
      type: 'slo',
      id: r.slo.id,
      title: r.slo.displayName ?? r.slo.id,
      at: null,
      url: null,
      value: valueOf(r),
      fields: {
        service: r.slo.service,
        budgetingMethod: r.slo.budgetingMethod,
        objective: o.target,
        attainment: r.attainment,
        good: r.totals?.good ?? null,
        total: r.totals?.total ?? null,
        goodMinutes: slices ? (r.slo.budgetingMethod === 'Timeslices' ? r.totals!.goodSeconds : r.totals!.ratioSeconds) / 60 : null,
        minutes: slices ? r.totals!.dataSeconds / 60 : null,
        burn: r.burn,
        met: r.met,
      },
    }
  })
  return { total: results.length, records }
}

/** The slo family's formulas (DESIGN §4). */
export const sloFormulas: Formula[] = [sloCompliance, sloErrorBudgetBurn]
