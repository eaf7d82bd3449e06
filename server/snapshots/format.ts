import { CATEGORIES, type KpiCategory } from '../kpis/definition.ts'
import { formatTarget, formatValue } from '../kpis/format-table.ts'
import { CATEGORY_LABEL, STATUS_LABEL } from '../kpis/labels.ts'
import type { SeriesItem } from '../routes/kpis.schema.ts'
import type { SnapshotDocument, SnapshotKpi } from '../routes/snapshots.schema.ts'

export { formatTarget, formatValue }

/** The board summary shows at most this many KPIs (the blueprint's top KPIs carry `board: true`). */
export const MAX_BOARD_KPIS = 13

/** "On track", "Off track", … */
export const statusLabel = (s: SeriesItem['status']) => STATUS_LABEL[s]

export const categoryLabel = (c: string) => CATEGORY_LABEL[c as KpiCategory] ?? c

/** The snapshot period's item: the last of the series (undefined when the KPI failed). */
export const currentOf = (k: SnapshotKpi): SeriesItem | undefined => k.series[k.series.length - 1]

/** The KPIs of the board summary, in document order. */
export const boardKpis = (doc: SnapshotDocument): SnapshotKpi[] => doc.kpis.filter((k) => k.kpi.board).slice(0, MAX_BOARD_KPIS)

/** The document's KPIs grouped by category, in the categories' fixed order; empty groups left out. */
export function byCategory(doc: SnapshotDocument): { category: string; label: string; kpis: SnapshotKpi[] }[] {
  const known = new Set<string>(CATEGORIES)
  const order = [...CATEGORIES, ...new Set(doc.kpis.map((k) => k.kpi.category).filter((c) => !known.has(c)))]
  return order.map((category) => ({ category, label: categoryLabel(category), kpis: doc.kpis.filter((k) => k.kpi.category === category) })).filter((g) => g.kpis.length > 0)
}

/** A change as people read it: `+2.0 pp`, `-12 %`; empty without one. */
export function formatDelta(delta: SeriesItem['delta']): string {
  if (!delta) return ''
  const sign = delta.value > 0 ? '+' : ''
  return delta.kind === 'points' ? `${sign}${delta.value.toFixed(1)} pp` : `${sign}${delta.value.toFixed(0)} %`
}

/** `80 %`, or empty when the value has no coverage. */
export const formatCoverage = (c: number | null | undefined) => (c === null || c === undefined ? '' : `${(c * 100).toFixed(0)} %`)

/** A date-time as `2026-11-22 12:00 UTC`. */
export const formatInstant = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—')
