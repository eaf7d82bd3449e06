import { valueFromComponents } from '../metrics/manual.metrics.ts'
import { type ImportKind, type PlannedMeasurement } from './csv-table.ts'

const NOTE = 'Imported from a hiring CSV'

/** `hiring`: one row per period (and scope) → people.hiring_attainment {hired, planned} and people.time_to_fill (days). */
export const hiringImport: ImportKind = {
  spec: {
    kind: 'hiring',
    summary: 'Hires planned and made per period, and the mean time to fill a role',
    otherColumns: 'reject',
    columns: [
      { key: 'period', names: ['period'], required: true, description: 'the month (2026-10), quarter (2026-Q3) or ISO week (2026-W05)' },
      { key: 'planned', names: ['planned'], required: true, description: 'hires planned for the period (> 0)' },
      { key: 'hired', names: ['hired'], required: true, description: 'hires made in the period (≥ 0)' },
      { key: 'time_to_fill', names: ['time_to_fill_days'], required: false, description: 'mean days from opening a role to an accepted offer (≥ 0; empty: not recorded)' },
      { key: 'scope', names: ['scope'], required: false, description: 'org (default) or team:<id>' },
    ],
  },
  async plan(table, ctx) {
    const out: PlannedMeasurement[] = []
    for (const row of table.rows) {
      const span = table.period(row, 'period', ctx)
      const planned = table.number(row, 'planned', { required: true, above: 0 })
      const hired = table.number(row, 'hired', { required: true, min: 0 })
      const days = table.has('time_to_fill') ? table.number(row, 'time_to_fill', { required: false, min: 0 }) : null
      const scope = table.scope(row, ctx)
      if (!span || scope === undefined) continue
      if (!table.firstForPeriod(row, scope, span)) continue
      if (typeof planned !== 'number' || typeof hired !== 'number' || days === undefined) continue
      const base = { scope, periodStart: span.start, periodEnd: span.end, note: NOTE, line: row.line }
      const components = { hired, planned }
      out.push({ ...base, kpiId: 'people.hiring_attainment', value: valueFromComponents('entered.ratio_of_sums', ['hired', 'planned'], components)!, components })
      if (days !== null) out.push({ ...base, kpiId: 'people.time_to_fill', value: days, components: null })
    }
    return out
  },
}
