/**
 * Per-SLO arithmetic (DESIGN §4 "SLOs"), pure: attainment by budgeting method, error budget burn,
 * the SRE Workbook alert state and the budget of the SLO's own window.
 */
import type { SliTotals, SloSliceSpec } from '../repositories/kpi/slo.repository.ts'
import type { BudgetingMethod, Objective, Slo } from '../slo/openslo.ts'
import type { ResolvedScope } from './scope.ts'
import { sloInScope } from './scope.ts'

/**
 * The objective an SLO is measured against: its first. OpenSLO allows several (usually one per
 * threshold of a threshold SLI); Meridian reads ratio SLIs, where a second objective is rare.
 */
export function objectiveOf(slo: Slo): Objective {
  return slo.objectives[0]!
}

/** The SLOs of `scope`, in their given order. */
export function slosInScope(scope: ResolvedScope, slos: readonly Slo[]): Slo[] {
  return slos.filter((s) => sloInScope(scope, s.service))
}

/** How the repository cuts an SLO's samples: slices for Timeslices and RatioTimeslices, none for Occurrences. */
export function sliceSpec(slo: Slo): SloSliceSpec {
  const o = objectiveOf(slo)
  return {
    id: slo.id,
    sliceSeconds: slo.budgetingMethod === 'Occurrences' ? null : o.timeSliceMinutes! * 60,
    sliceTarget: slo.budgetingMethod === 'Timeslices' ? o.timeSliceTarget : null,
  }
}

/**
 * Attainment 0–1, null without data:
 * Occurrences: good ÷ total events;
 * Timeslices: time of good slices ÷ time of slices with events;
 * RatioTimeslices: the mean of the slices' good ÷ total ratios, weighted by slice time.
 */
export function attainmentOf(method: BudgetingMethod, t: SliTotals | undefined): number | null {
  if (!t) return null
  if (method === 'Occurrences') return t.total > 0 ? t.good / t.total : null
  if (t.dataSeconds <= 0) return null
  return (method === 'Timeslices' ? t.goodSeconds : t.ratioSeconds) / t.dataSeconds
}

/**
 * Error budget burn: the bad share (1 − attainment) ÷ the share the objective allows (1 − target);
 * 1.0 = exactly spent. Null without data.
 */
export function burnOf(target: number, attainment: number | null): number | null {
  return attainment === null ? null : (1 - attainment) / (1 - target)
}

export type BurnWindow = '1h' | '6h' | '3d'
export type AlertState = 'page' | 'ticket' | 'ok' | 'no-data'

/** The burn-rate windows and their length in hours. */
export const BURN_WINDOWS: Readonly<Record<BurnWindow, number>> = { '1h': 1, '6h': 6, '3d': 72 }

/** SRE Workbook multi-window thresholds: page at 14.4× over 1 h or 6× over 6 h, ticket at 1× over 3 days. */
export const ALERT_THRESHOLDS = { page1h: 14.4, page6h: 6, ticket3d: 1 } as const

/** The alert state from the burn rates; `no-data` when no window has samples. */
export function alertState(rates: Readonly<Record<BurnWindow, number | null>>): AlertState {
  if (rates['1h'] === null && rates['6h'] === null && rates['3d'] === null) return 'no-data'
  if ((rates['1h'] ?? 0) >= ALERT_THRESHOLDS.page1h || (rates['6h'] ?? 0) >= ALERT_THRESHOLDS.page6h) return 'page'
  if ((rates['3d'] ?? 0) >= ALERT_THRESHOLDS.ticket3d) return 'ticket'
  return 'ok'
}

/** An SLO's error budget over totals: in events (Occurrences) or slice minutes (Timeslices, RatioTimeslices). */
export interface Budget {
  attainment: number | null
  unit: 'events' | 'minutes'
  /** What the objective allows: (1 − target) × total events, or × minutes of slices with data. */
  total: number | null
  /** Bad events, or bad slice minutes (RatioTimeslices: Σ slice minutes × (1 − ratio)). */
  consumed: number | null
  /** 1 − consumed ÷ total (= 1 − burn): 1 untouched, 0 spent, negative overspent; null without data. */
  remaining: number | null
}

/** The budget an SLO's totals allow and how much of it they used. */
export function budgetOf(slo: Slo, t: SliTotals | undefined): Budget {
  const target = objectiveOf(slo).target
  const attainment = attainmentOf(slo.budgetingMethod, t)
  const burn = burnOf(target, attainment)
  const events = slo.budgetingMethod === 'Occurrences'
  if (!t || attainment === null) return { attainment: null, unit: events ? 'events' : 'minutes', total: null, consumed: null, remaining: null }
  const base = events ? t.total : t.dataSeconds / 60
  const good = events ? t.good : (slo.budgetingMethod === 'Timeslices' ? t.goodSeconds : t.ratioSeconds) / 60
  return { attainment, unit: events ? 'events' : 'minutes', total: (1 - target) * base, consumed: base - good, remaining: 1 - burn! }
}

/** Sums totals (e.g. the days of a window). */
export function addTotals(a: SliTotals | undefined, b: SliTotals): SliTotals {
  if (!a) return { ...b }
  return {
    good: a.good + b.good,
    total: a.total + b.total,
    dataSeconds: a.dataSeconds + b.dataSeconds,
    goodSeconds: a.goodSeconds + b.goodSeconds,
    ratioSeconds: a.ratioSeconds + b.ratioSeconds,
  }
}

const DAY_MS = 86_400_000

/**
 * The burn-down of a window [start, now): after each day (start + 1 d, start + 2 d, …, the last
 * point at `now`), the budget remaining from `start` to that point (1 − burn; null while no data).
 * `days` holds the totals of day k of the window at index k.
 */
export function burnDown(slo: Slo, start: Date, now: Date, days: ReadonlyMap<number, SliTotals>): { at: Date; remaining: number | null }[] {
  const count = Math.ceil((now.getTime() - start.getTime()) / DAY_MS)
  const out: { at: Date; remaining: number | null }[] = []
  let sum: SliTotals | undefined
  for (let k = 0; k < count; k++) {
    const day = days.get(k)
    if (day) sum = addTotals(sum, day)
    out.push({ at: new Date(Math.min(start.getTime() + (k + 1) * DAY_MS, now.getTime())), remaining: budgetOf(slo, sum).remaining })
  }
  return out
}
