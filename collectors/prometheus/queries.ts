import type { MetricSource, RatioIndicator } from '../../server/slo/openslo.ts'
import type { RangeSeries } from './client.ts'

export const HOUR_SECONDS = 3600
/** Prometheus's limit on points per series in one query_range answer. */
export const MAX_POINTS_PER_SERIES = 11_000

const SELECTOR = /^[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{[^{}]*\})?$/

/**
 * The PromQL giving one interval's count at each step: `sum(increase(<query>[1h]))` for a
 * counter (increase() handles counter resets), `sum(sum_over_time(<query>[1h]))` for a gauge of
 * per-scrape counts. A query that is not a plain selector is evaluated as a subquery.
 */
export function hourlyCountQuery(source: MetricSource, counter: boolean): string {
  const q = source.query!
  const range = SELECTOR.test(q) ? `${q}[1h]` : `(${q})[1h:]`
  return `sum(${counter ? 'increase' : 'sum_over_time'}(${range}))`
}

/**
 * A sample value as Prometheus sends it (text): a number, or null for NaN, ±Inf and anything
 * unparseable — such an hour is left out rather than stored wrong.
 */
export function parseSampleValue(v: unknown): number | null {
  if (typeof v !== 'string') return null
  const s = v.trim()
  if (s === '' || /^[+-]?(inf|infinity|nan)$/i.test(s)) return null
  const n = Number(s)
  return Number.isFinite(n) ? n : null
}

/**
 * The evaluation ranges `[start, end]` (unix seconds, both hour boundaries, step 1 h) covering
 * `from`..`to`, each with at most `maxPoints` points.
 */
export function planRanges(from: number, to: number, maxPoints = MAX_POINTS_PER_SERIES): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = []
  const span = Math.max(1, maxPoints) - 1
  for (let start = from; start <= to; start += (span + 1) * HOUR_SECONDS) {
    out.push({ start, end: Math.min(to, start + span * HOUR_SECONDS) })
  }
  return out
}

/** Splits a range in two halves on hour boundaries; null when it holds one point. */
export function halve(range: { start: number; end: number }): [{ start: number; end: number }, { start: number; end: number }] | null {
  const points = (range.end - range.start) / HOUR_SECONDS + 1
  if (points < 2) return null
  const mid = range.start + (Math.ceil(points / 2) - 1) * HOUR_SECONDS
  return [
    { start: range.start, end: mid },
    { start: mid + HOUR_SECONDS, end: range.end },
  ]
}

/**
 * Sums the series of an answer per timestamp (seconds). A timestamp where any series is NaN or
 * ±Inf maps to null (unknown).
 */
export function sumByTimestamp(series: readonly RangeSeries[]): Map<number, number | null> {
  const out = new Map<number, number | null>()
  for (const s of series) {
    for (const pair of s.values ?? []) {
      if (!Array.isArray(pair)) continue
      const t = Math.round(Number(pair[0]))
      const v = parseSampleValue(pair[1])
      const prev = out.get(t)
      out.set(t, v === null || prev === null ? null : (prev ?? 0) + v)
    }
  }
  return out
}

/** One hour's good and total counts. */
export interface HourlyCount {
  /** Start of the hour (the sample at T covers [T − 1 h, T)). */
  intervalStart: Date
  intervalEnd: Date
  good: number
  total: number
}

/**
 * Hourly good/total from the answers of the good (or bad) and total queries. An hour is kept
 * when its total is a finite number ≥ 0; a missing good (or bad) series then counts as 0 —
 * Prometheus returns nothing for a selector that matches no series, e.g. no 5xx ever. An hour
 * whose good, bad or total is NaN or ±Inf is left out. good = total − bad; good is clamped
 * to [0, total] (increase() extrapolates, so the two queries can disagree slightly).
 */
export function hourlyCounts(indicator: RatioIndicator, goodOrBad: Map<number, number | null>, total: Map<number, number | null>): HourlyCount[] {
  const out: HourlyCount[] = []
  for (const t of [...total.keys()].sort((a, b) => a - b)) {
    const tot = total.get(t)
    if (tot === null || tot === undefined || tot < 0) continue
    const other = goodOrBad.get(t)
    if (other === null) continue
    const raw = indicator.good ? (other ?? 0) : tot - (other ?? 0)
    const good = Math.min(tot, Math.max(0, raw))
    out.push({ intervalStart: new Date((t - HOUR_SECONDS) * 1000), intervalEnd: new Date(t * 1000), good, total: tot })
  }
  return out
}
