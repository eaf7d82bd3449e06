import type { KpiDefinitionFile, LevelBoundSpec, TargetSpec, WarnSpec } from './definition.schema.ts'

export type KpiCategory = KpiDefinitionFile['category']
export type KpiUnit = KpiDefinitionFile['unit']
export type Direction = KpiDefinitionFile['direction']
export type Level = 'elite' | 'high' | 'medium' | 'low'
export const CATEGORIES: readonly KpiCategory[] = ['delivery', 'reliability', 'quality', 'security', 'cost', 'people', 'platform']

/** The thresholds that apply in one scope: the file's, with the scope's override on top. */
export interface Thresholds {
  target: TargetSpec
  warn: WarnSpec | null
  minSample: number
}

/** A validated KPI definition, frozen, as metrics, evaluate, the API and snapshots read it. */
export interface KpiDefinition {
  id: string
  name: string
  category: KpiCategory
  description: string
  computation: string | null
  unit: KpiUnit
  direction: Direction
  frequency: KpiDefinitionFile['frequency']
  source: 'computed' | 'entered'
  formula: string
  components: string[] | null
  target: TargetSpec
  warn: WarnSpec | null
  minSample: number
  levels: { elite: LevelBoundSpec; high: LevelBoundSpec; medium: LevelBoundSpec } | null
  overrides: Record<string, { target?: TargetSpec; warn?: WarnSpec; min_sample?: number }>
  blueprint: number | null
  board: boolean
  /** The file it came from, relative to the definitions directory. */
  file: string
}

/** The target, warn band and minimum sample for `scope` (an override for that scope wins). */
export function thresholdsFor(def: KpiDefinition, scope: string): Thresholds {
  const o = def.overrides[scope]
  return {
    target: o?.target ?? def.target,
    warn: o?.target && !o.warn ? null : (o?.warn ?? def.warn),
    minSample: o?.min_sample ?? def.minSample,
  }
}
