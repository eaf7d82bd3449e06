import type { KpiInfo } from '../routes/kpis.schema.ts'
import type { SnapshotDocument } from '../routes/snapshots.schema.ts'

export const CSV_COLUMNS = [
  'snapshot_id', 'snapshot_period', 'scope', 'kpi_id', 'kpi_name', 'category', 'unit', 'board', 'period', 'period_start', 'period_end', 'partial',
  'value', 'target', 'status', 'level', 'delta_kind', 'delta_value', 'sample_size', 'coverage', 'p75', 'p90', 'mean',
] as const

/** A target in plain ASCII for spreadsheets: `<= 0.1`, `abs <= 0.05`, `>= 0.9 of attainment`, `trend down`, `level >= high`. */
export function targetText(kpi: Pick<KpiInfo, 'target'>): string {
  const t = kpi.target
  if ('trend' in t) return `trend ${t.trend}`
  if ('level' in t) return `level >= ${t.level}`
  return `${t.abs ? 'abs ' : ''}${t.op} ${t.value}${t.of ? ` of ${t.of}` : ''}`
}

const num = (x: number | null | undefined) => (x === null || x === undefined ? '' : String(x))

function cell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

/**
 * The snapshot as CSV (RFC 4180, CRLF): one row per KPI × period with its value (unit as in the
 * API: ratios 0–1, hours, days, counts), the target that applied, status, level, delta, sample
 * size and coverage. Numbers are written so they parse back to the same values.
 */
export function exportCsv(doc: SnapshotDocument): string {
  const rows: string[][] = [[...CSV_COLUMNS]]
  for (const k of doc.kpis) {
    for (const s of k.series) {
      rows.push([
        doc.id, doc.period.label, doc.scope, k.kpi.id, k.kpi.name, k.kpi.category, k.kpi.unit, String(k.kpi.board), s.label, s.start, s.end, String(s.partial),
        num(s.value), targetText(k.kpi), s.status, s.level ?? '', s.delta?.kind ?? '', num(s.delta?.value), String(s.sampleSize), num(s.coverage),
        num(s.p75), num(s.p90), num(s.mean),
      ])
    }
  }
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}
