import type { KpiSeries, SeriesPoint, SeriesResult } from '../metrics/kpi-engine.ts'
import type { KpiEntry, KpiInfo, KpiListResponse, SeriesItem } from '../routes/kpis.schema.ts'
import type { KpiDefinition } from './definition.ts'

/** A definition as the API shows it, with the thresholds that apply in `scope`. */
export function kpiInfo(def: KpiDefinition, thresholds: KpiSeries['thresholds'], scope: string): KpiInfo {
  return {
    id: def.id,
    name: def.name,
    category: def.category,
    description: def.description,
    computation: def.computation,
    unit: def.unit,
    direction: def.direction,
    frequency: def.frequency,
    source: def.source,
    formula: def.formula,
    components: def.components,
    target: thresholds.target,
    warn: thresholds.warn,
    minSample: thresholds.minSample,
    levels: def.levels,
    blueprint: def.blueprint,
    board: def.board,
    overridden: def.overrides[scope] !== undefined,
  }
}

/** One period as the API shows it: optional parts only when the formula reports them. */
export function seriesItem(p: SeriesPoint): SeriesItem {
  const item: SeriesItem = {
    start: p.period.start.toISOString(),
    end: p.period.end.toISOString(),
    label: p.period.label,
    partial: p.partial,
    value: p.value,
    sampleSize: p.sampleSize,
    status: p.status,
  }
  if (p.coverage !== undefined) item.coverage = p.coverage
  if (p.level !== null) item.level = p.level
  if (p.delta !== null) item.delta = p.delta
  if (p.p75 !== undefined) item.p75 = p.p75
  if (p.p90 !== undefined) item.p90 = p.p90
  if (p.mean !== undefined) item.mean = p.mean
  if (p.breakdown !== undefined) item.breakdown = p.breakdown
  if (p.measures !== undefined) item.measures = p.measures
  if (p.reason !== null) item.reason = p.reason
  if (p.comparison) item.comparison = p.comparison
  return item
}

/** A KPI with its series, as GET /api/kpis lists it. */
export function kpiEntry(k: KpiSeries, scope: string): KpiEntry {
  const entry: KpiEntry = { kpi: kpiInfo(k.definition, k.thresholds, scope), series: k.points.map(seriesItem) }
  if (k.error !== null) entry.error = k.error
  return entry
}

/** The scope, period kind, zone and [from, to) a result covers. */
export function rangeOf(result: SeriesResult): Omit<KpiListResponse, 'kpis'> {
  const first = result.periods[0]
  const last = result.periods[result.periods.length - 1]
  return {
    scope: result.scope.key,
    period: result.period,
    timezone: result.timezone,
    from: (first?.start ?? new Date(0)).toISOString(),
    to: (last?.end ?? new Date(0)).toISOString(),
  }
}

/** GET /api/kpis's payload (also what `meridian kpis` prints and snapshots freeze). */
export function kpiListResponse(result: SeriesResult): KpiListResponse {
  return { ...rangeOf(result), kpis: result.kpis.map((k) => kpiEntry(k, result.scope.key)) }
}
