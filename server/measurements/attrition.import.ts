import { valueFromComponents } from '../metrics/manual.metrics.ts'
import { type ImportKind, type PlannedMeasurement } from './csv-table.ts'

const NOTE = 'Imported from an attrition CSV'

/** `attrition`: one row per period (and scope) → people.regretted_attrition {regretted, headcount}. */
export const attritionImport: ImportKind = {
  spec: {
    kind: 'attrition',
    summary: 'Regretted exits against headcount per period',
    otherColumns: 'reject',
    columns: [
      { key: 'period', names: ['period'], required: true, description: 'the month (2026-10), quarter (2026-Q3) or ISO week (2026-W05)' },
      { key: 'headcount', names: ['headcount'], required: true, description: 'headcount in the period, e.g. its average (> 0)' },
      { key: 'regretted', names: ['regretted_exits'], required: true, description: 'people who left and whom the company wanted to keep (≥ 0)' },
      { key: 'scope', names: ['scope'], required: false, description: 'org (default) or team:<id>' },
    ],
  },
  async plan(table, ctx) {
    const out: PlannedMeasurement[] = []
    for (const row of table.rows) {
      const span = table.period(row, 'period', ctx)
      const headcount = table.number(row, 'headcount', { required: true, above: 0 })
      const regretted = table.number(row, 'regretted', { required: true, min: 0 })
      const scope = table.scope(row, ctx)
      if (!span || scope === undefined) continue
      if (!table.firstForPeriod(row, scope, span)) continue
      if (typeof headcount !== 'number' || typeof regretted !== 'number') continue
      const components = { regretted, headcount }
      out.push({
        kpiId: 'people.regretted_attrition',
        scope,
        periodStart: span.start,
        periodEnd: span.end,
        value: valueFromComponents('entered.ratio_of_sums', ['regretted', 'headcount'], components)!,
        components,
        note: NOTE,
        line: row.line,
      })
    }
    return out
  },
}
