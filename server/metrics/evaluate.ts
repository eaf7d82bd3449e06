import { thresholdsFor, type KpiDefinition, type Level } from '../kpis/definition.ts'
import type { LevelBoundSpec, TargetSpec, Threshold, WarnSpec } from '../kpis/definition.schema.ts'
import type { PeriodValue } from './types.ts'

export type Status = 'on-track' | 'at-risk' | 'off-track' | 'no-data' | 'low-confidence'

/** Change against the previous period: percentage points for rates, percent otherwise. */
export interface Delta {
  kind: 'points' | 'percent'
  value: number
  /** Whether the change is an improvement for this KPI's direction; null when unchanged. */
  good: boolean | null
}

/** What `evaluate` adds to a value: the only place that reads targets, warn bands and levels. */
export interface Evaluation {
  status: Status
  level: Level | null
  delta: Delta | null
  /** Why the status is no-data or low-confidence, in words. */
  reason: string | null
}

const LEVELS: readonly Exclude<Level, 'low'>[] = ['elite', 'high', 'medium']
const RANK: Record<Level, number> = { elite: 3, high: 2, medium: 1, low: 0 }

function compare(x: number, op: Threshold['op'], bound: number): boolean {
  switch (op) {
    case '<':
      return x < bound
    case '<=':
      return x <= bound
    case '>':
      return x > bound
    case '>=':
      return x >= bound
  }
}

/** The number a threshold reads: the value, or the named measure; absolute when `abs`. */
function subject(t: Threshold, v: PeriodValue): number | null {
  const x = t.of === undefined ? v.value : (v.measures?.[t.of] ?? null)
  return x === null || x === undefined ? null : t.abs ? Math.abs(x) : x
}

function meetsThreshold(t: Threshold, v: PeriodValue): boolean | null {
  const x = subject(t, v)
  return x === null ? null : compare(x, t.op, t.value)
}

/** A bare number band is inclusive in the KPI's direction (≤ for lower-is-better, ≥ otherwise). */
function meetsBound(bound: LevelBoundSpec, v: PeriodValue, def: KpiDefinition): boolean | null {
  if (typeof bound === 'number') return v.value === null ? null : compare(v.value, def.direction === 'lower_is_better' ? '<=' : '>=', bound)
  return meetsThreshold(bound, v)
}

/** The performance level from the definition's bands; null when it has none or there is no value. */
export function levelOf(def: KpiDefinition, v: PeriodValue): Level | null {
  if (!def.levels || v.value === null) return null
  for (const level of LEVELS) if (meetsBound(def.levels[level], v, def)) return level
  return 'low'
}

function meets(spec: TargetSpec | WarnSpec, v: PeriodValue, level: Level | null, previous: PeriodValue | null): boolean | null {
  if ('level' in spec) return level === null ? null : RANK[level] >= RANK[spec.level]
  if ('trend' in spec) {
    if (!previous || previous.value === null || v.value === null) return null
    return spec.trend === 'down' ? v.value < previous.value || (v.value === 0 && previous.value === 0) : v.value > previous.value
  }
  return meetsThreshold(spec, v)
}

/** Delta against the previous value: points for ratios, percent otherwise; none from a zero or missing baseline (percent). */
export function deltaOf(def: KpiDefinition, v: PeriodValue, previous: PeriodValue | null): Delta | null {
  if (v.value === null || !previous || previous.value === null) return null
  const diff = v.value - previous.value
  const good = diff === 0 ? null : (diff < 0) === (def.direction === 'lower_is_better')
  if (def.unit === 'ratio') return { kind: 'points', value: round(diff * 100), good }
  if (previous.value === 0) return null
  return { kind: 'percent', value: round((diff / Math.abs(previous.value)) * 100), good }
}

const round = (x: number) => Math.round(x * 1e6) / 1e6

/**
 * Status, level and delta of one period's value in one scope (DESIGN §5): `no-data` without a
 * value; `low-confidence` when the sample is below min_sample (or a trend target has no previous
 * period to compare with); else `on-track` when the target is met, `at-risk` when only the warn
 * band is, `off-track` otherwise. A trend target that is not met but holds steady is at risk.
 */
export function evaluate(def: KpiDefinition, scope: string, v: PeriodValue, previous: PeriodValue | null): Evaluation {
  const level = levelOf(def, v)
  const delta = deltaOf(def, v, previous)
  if (v.value === null) return { status: 'no-data', level, delta, reason: v.reason ?? 'nothing to measure in this period' }
  const { target, warn, minSample } = thresholdsFor(def, scope)
  if (v.sampleSize < minSample) {
    return { status: 'low-confidence', level, delta, reason: `only ${v.sampleSize} in the sample; at least ${minSample} needed for a status` }
  }
  const met = meets(target, v, level, previous)
  if (met === null) {
    const why = 'trend' in target ? 'no previous value to compare the trend with' : 'the value the target reads is missing'
    return { status: 'low-confidence', level, delta, reason: why }
  }
  if (met) return { status: 'on-track', level, delta, reason: null }
  if ('trend' in target) {
    const steady = previous!.value === v.value
    return { status: steady ? 'at-risk' : 'off-track', level, delta, reason: null }
  }
  if (warn && meets(warn, v, level, previous)) return { status: 'at-risk', level, delta, reason: null }
  return { status: 'off-track', level, delta, reason: null }
}
