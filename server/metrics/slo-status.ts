import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { type SliTotals, sloTotalsByWindowDay, sloTotalsInWindows } from '../repositories/kpi/slo.repository.ts'
import { addUnits, type Slo, windowStart } from '../slo/openslo.ts'
import { type AlertState, type Budget, BURN_WINDOWS, type BurnWindow, addTotals, alertState, attainmentOf, budgetOf, burnDown, burnOf, objectiveOf, sliceSpec } from './slo-attainment.ts'

/** An SLO's burn rates as of now and the alert state they give. */
export interface SloCurrentBurn {
  sloId: string
  service: string
  /** (bad ÷ total) over the last 1 h, 6 h and 3 days ÷ (1 − objective); null when the window has no samples. */
  burnRates: Record<BurnWindow, number | null>
  alert: AlertState
}

/**
 * Burn rates over [now − 1 h, now), [now − 6 h, now) and [now − 3 d, now) per SLO and the SRE
 * Workbook alert state: `page` when the 1 h rate ≥ 14.4 or the 6 h rate ≥ 6, `ticket` when the
 * 3 d rate ≥ 1, else `ok`; `no-data` without samples. A sample only partly inside a window counts
 * in proportion to its overlap (half an hourly sample inside: half its events). For Timeslices
 * the bad share is bad slice time ÷ slice time. One query for all SLOs.
 */
export async function currentBurn(db: Kysely<Database>, slos: readonly Slo[], now: Date): Promise<SloCurrentBurn[]> {
  const windows = (Object.entries(BURN_WINDOWS) as [BurnWindow, number][]).map(([key, hours]) => ({ key, from: new Date(now.getTime() - hours * 3_600_000), to: now }))
  const rows = await sloTotalsInWindows(db, { slos: slos.map(sliceSpec), windows })
  const byKey = new Map(rows.map((r) => [`${r.sloId}\u0000${r.key}`, r]))
  return slos.map((slo) => {
    const rate = (w: BurnWindow) => burnOf(objectiveOf(slo).target, attainmentOf(slo.budgetingMethod, byKey.get(`${slo.id}\u0000${w}`)))
    const burnRates = { '1h': rate('1h'), '6h': rate('6h'), '3d': rate('3d') }
    return { sloId: slo.id, service: slo.service, burnRates, alert: alertState(burnRates) }
  })
}

/** An SLO's error budget over its own current window (rolling or calendar) as of now. */
export interface SloWindowBudget extends Budget {
  sloId: string
  /** The window containing now: [start, end); a rolling window ends now, a calendar one at its next boundary. */
  start: Date
  end: Date
  /** Budget remaining after each day of the window so far (the last point at now). */
  burnDown: { at: Date; remaining: number | null }[]
}

/** The end of the SLO window starting at `start`: now for a rolling window, start + duration for a calendar one. */
function windowEnd(slo: Slo, start: Date, now: Date): Date {
  const w = slo.timeWindow
  return w.kind === 'rolling' ? now : addUnits(start, w.count, w.unit)
}

/**
 * Each SLO's budget over [window start, now) — attainment, budget total and consumed (events or
 * slice minutes), remaining (1 − burn) — and its daily burn-down. One query for all SLOs.
 */
export async function sloBudgets(db: Kysely<Database>, slos: readonly Slo[], now: Date): Promise<SloWindowBudget[]> {
  const starts = new Map(slos.map((s) => [s.id, windowStart(s.timeWindow, now)]))
  const rows = await sloTotalsByWindowDay(db, { slos: slos.map((s) => ({ ...sliceSpec(s), from: starts.get(s.id)!, to: now })) })
  const days = new Map<string, Map<number, SliTotals>>()
  for (const r of rows) {
    const m = days.get(r.sloId) ?? new Map<number, SliTotals>()
    m.set(r.day, r)
    days.set(r.sloId, m)
  }
  return slos.map((slo) => {
    const start = starts.get(slo.id)!
    const perDay = days.get(slo.id) ?? new Map<number, SliTotals>()
    let sum: SliTotals | undefined
    for (const t of perDay.values()) sum = addTotals(sum, t)
    return {
      sloId: slo.id,
      start,
      end: windowEnd(slo, start, now),
      ...budgetOf(slo, sum),
      burnDown: start < now ? burnDown(slo, start, now, perDay) : [],
    }
  })
}
