/** OpenSLO v1 SLOs as Meridian reads them (DESIGN §4 "SLOs"): ratio SLIs, Occurrences or Timeslices budgeting, rolling or calendar windows. */

/** Where one SLI metric comes from: `type` (e.g. Prometheus) and its source-specific `spec`. */
export interface MetricSource {
  type: string
  spec: Record<string, unknown>
  /** `spec.query` when it is a string (Prometheus and most sources). */
  query: string | null
}

/** A ratio SLI: good ÷ total, with `good` given directly or as total − bad. */
export interface RatioIndicator {
  /** Whether the metrics are monotonic counters (Prometheus: `increase()`), else per-interval gauges. */
  counter: boolean
  good: MetricSource | null
  bad: MetricSource | null
  total: MetricSource
}

export type TimeWindow =
  | { kind: 'rolling'; duration: string; hours: number }
  | { kind: 'calendar'; duration: string; count: number; unit: CalendarUnit; startTime: Date; timeZone: string }

export type CalendarUnit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year'
export type BudgetingMethod = 'Occurrences' | 'Timeslices' | 'RatioTimeslices'

export interface Objective {
  displayName: string | null
  /** The objective as a fraction 0–1 (targetPercent ÷ 100). */
  target: number
  /** Timeslices: the share of good events a slice needs to count as good (0–1). */
  timeSliceTarget: number | null
  /** Timeslices: the slice length, e.g. `1m`, in minutes. */
  timeSliceMinutes: number | null
}

/** One SLO document, validated, with its indicator resolved. */
export interface Slo {
  /** `metadata.name`: the SLO id used by sli_sample.slo_id, URLs and snapshots. */
  id: string
  displayName: string | null
  description: string | null
  service: string
  /** The file it was read from (relative to the directory loaded). */
  file: string
  indicatorName: string | null
  indicator: RatioIndicator
  timeWindow: TimeWindow
  budgetingMethod: BudgetingMethod
  objectives: Objective[]
}

/** A problem in an SLO file: which file, which field (a path like `spec.objectives[0].target`), what was expected. */
export interface SloProblem {
  file: string
  field: string
  message: string
}

export const DURATION_PATTERN = /^([1-9][0-9]*)([mhdwMQY])$/
const UNIT_OF: Record<string, CalendarUnit> = { m: 'minute', h: 'hour', d: 'day', w: 'week', M: 'month', Q: 'quarter', Y: 'year' }
const HOURS_OF: Record<string, number> = { m: 1 / 60, h: 1, d: 24, w: 168 }

/** Hours in an OpenSLO duration with a fixed length (`m`, `h`, `d`, `w`); null for M, Q, Y or a bad value. */
export function durationHours(duration: string): number | null {
  const m = DURATION_PATTERN.exec(duration)
  if (!m || HOURS_OF[m[2]!] === undefined) return null
  return Number(m[1]) * HOURS_OF[m[2]!]!
}

/** Parses an OpenSLO duration into a count and a calendar unit; null when malformed. */
export function parseDuration(duration: string): { count: number; unit: CalendarUnit } | null {
  const m = DURATION_PATTERN.exec(duration)
  return m ? { count: Number(m[1]), unit: UNIT_OF[m[2]!]! } : null
}

/** Adds `count` calendar units to `at` in UTC. */
export function addUnits(at: Date, count: number, unit: CalendarUnit): Date {
  const d = new Date(at.getTime())
  switch (unit) {
    case 'minute':
      return new Date(d.getTime() + count * 60_000)
    case 'hour':
      return new Date(d.getTime() + count * 3_600_000)
    case 'day':
      return new Date(d.getTime() + count * 86_400_000)
    case 'week':
      return new Date(d.getTime() + count * 7 * 86_400_000)
    case 'month':
      d.setUTCMonth(d.getUTCMonth() + count)
      return d
    case 'quarter':
      d.setUTCMonth(d.getUTCMonth() + 3 * count)
      return d
    case 'year':
      d.setUTCFullYear(d.getUTCFullYear() + count)
      return d
  }
}

/**
 * The start of the SLO window containing `now`: `now − duration` for a rolling window; for a
 * calendar window, the latest `startTime + k × duration` (k ≥ 0) at or before `now`, in UTC.
 */
export function windowStart(window: TimeWindow, now: Date): Date {
  if (window.kind === 'rolling') return new Date(now.getTime() - window.hours * 3_600_000)
  if (now < window.startTime) return window.startTime
  let start = window.startTime
  // Jump close with a fixed-length estimate, then walk: months and years vary in length.
  const approxHours = { minute: 1 / 60, hour: 1, day: 24, week: 168, month: 730, quarter: 2190, year: 8760 }[window.unit] * window.count
  const skip = Math.max(0, Math.floor((now.getTime() - start.getTime()) / (approxHours * 3_600_000)) - 2)
  if (skip > 0) start = addUnits(window.startTime, skip * window.count, window.unit)
  for (;;) {
    const next = addUnits(start, window.count, window.unit)
    if (next > now) return start
    start = next
  }
}
