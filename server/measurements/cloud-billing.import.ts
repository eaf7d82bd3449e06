import { measurementsOverlapping } from '../repositories/kpi/measurements.repository.ts'
import { localIsoDate } from '../metrics/periods.ts'
import { valueFromComponents } from '../metrics/manual.metrics.ts'
import type { CsvRecord } from './csv.ts'
import { periodKey, round6, type ImportContext, type ImportKind, type ImportTable, type PlannedMeasurement } from './csv-table.ts'

export const SPEND_KPI = 'cost.cloud_spend_vs_budget'
export const UNIT_COST_KPI = 'cost.unit_cost'

interface Month {
  line: number
  scope: string
  label: string
  start: string
  end: string
  items: number
  spend: number
  units: number
  budget: { value: number; line: number } | null
}

const DATE = /^(\d{4}-\d{2}-\d{2})$/
const ZONED = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)\s*(Z|UTC|[+-]\d{2}:?\d{2})$/i
const LOCAL = /^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/

/** Whether `YYYY-MM-DD` names a real calendar day. */
function isCalendarDate(iso: string): boolean {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number]
  const t = new Date(Date.UTC(y, m - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d
}

// Zone offsets change on quarter-hour boundaries, so every instant of a quarter hour has the same local date.
const QUARTER_HOUR_MS = 900_000
const localDates = new Map<string, Map<number, string>>()
function cachedLocalDate(at: Date, timeZone: string): string {
  let zone = localDates.get(timeZone)
  if (!zone) localDates.set(timeZone, (zone = new Map()))
  if (zone.size > 100_000) zone.clear()
  const bucket = Math.floor(at.getTime() / QUARTER_HOUR_MS)
  let date = zone.get(bucket)
  if (date === undefined) zone.set(bucket, (date = localIsoDate(new Date(bucket * QUARTER_HOUR_MS), timeZone)))
  return date
}

/**
 * A line item's local date in the zone: an ISO date as it is; a date-time with a zone or offset
 * (`2026-10-31T23:30:00Z`) moved into the zone; a date-time without one taken as local wall time.
 */
export function billingDate(text: string, timeZone: string): string | null {
  let m = DATE.exec(text) ?? LOCAL.exec(text)
  if (m) return isCalendarDate(m[1]!) ? m[1]! : null
  m = ZONED.exec(text)
  if (!m || !isCalendarDate(m[1]!)) return null
  const zone = m[3]!.toUpperCase() === 'UTC' || m[3]!.toUpperCase() === 'Z' ? 'Z' : m[3]!.length === 5 ? `${m[3]!.slice(0, 3)}:${m[3]!.slice(3)}` : m[3]!
  const time = m[2]!.length === 5 ? `${m[2]}:00` : m[2]!.replace(/(\.\d{3})\d+$/, '$1')
  const at = new Date(`${m[1]}T${time}${zone}`)
  return Number.isNaN(at.getTime()) ? null : cachedLocalDate(at, timeZone)
}

const nextMonth = (start: string) => {
  const [y, m] = start.split('-').map(Number) as [number, number]
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`
}

function readRow(table: ImportTable, row: CsvRecord, ctx: ImportContext, months: Map<string, Month>, dates: Map<string, string | null>): void {
  const dateText = table.text(row, 'date')
  let date: string | null = null
  if (dateText === '') table.fail(row, 'date', 'is empty: the usage date is required')
  else if (dateText !== undefined) {
    // Exports repeat the same timestamp on many line items.
    if (dates.has(dateText)) date = dates.get(dateText)!
    else dates.set(dateText, (date = billingDate(dateText, ctx.timezone)))
    if (date === null) table.fail(row, 'date', `"${dateText.slice(0, 40)}" is not a date: expected 2026-10-31 or a date-time such as 2026-10-31T14:00:00Z`)
    else if (date > ctx.today) {
      table.fail(row, 'date', `${date} is after today (${ctx.today})`)
      date = null
    }
  }
  const cost = table.number(row, 'cost', { required: true })
  const budget = table.has('budget') ? table.number(row, 'budget', { required: false, above: 0 }) : null
  const units = table.has('units') ? table.number(row, 'units', { required: false, min: 0 }) : null
  const scope = table.scope(row, ctx)
  if (date === null || scope === undefined || typeof cost !== 'number' || budget === undefined || units === undefined) return
  const start = `${date.slice(0, 7)}-01`
  const span = { start, end: nextMonth(start) }
  const key = periodKey(scope, span)
  let month = months.get(key)
  if (!month) months.set(key, (month = { line: row.line, scope, label: date.slice(0, 7), ...span, items: 0, spend: 0, units: 0, budget: null }))
  month.items++
  month.spend += cost
  month.units += units ?? 0
  if (budget === null) return
  if (!month.budget) month.budget = { value: budget, line: row.line }
  else if (month.budget.value !== budget) table.fail(row, 'budget', `${budget} differs from the budget ${month.budget.value} on line ${month.budget.line} for ${month.label}: give one budget per month`)
}

/** Budgets already entered for months the file gives none, by period key. */
async function storedBudgets(ctx: ImportContext, months: readonly Month[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const scope of new Set(months.map((m) => m.scope))) {
    const mine = months.filter((m) => m.scope === scope)
    const from = mine.reduce((a, m) => (m.start < a ? m.start : a), mine[0]!.start)
    const to = mine.reduce((a, m) => (m.end > a ? m.end : a), mine[0]!.end)
    for (const r of await measurementsOverlapping(ctx.db, { kpiId: SPEND_KPI, scope, from, to })) {
      const budget = r.components?.budget
      if (budget !== undefined && budget > 0) out.set(periodKey(scope, { start: r.periodStart, end: r.periodEnd }), budget)
    }
  }
  return out
}

/**
 * `cloud-billing`: a billing export, one row per line item, added up per calendar month of the
 * usage date (in the configured zone) and scope → cost.cloud_spend_vs_budget {spend, budget} and,
 * with a units column, cost.unit_cost {cost, units}.
 */
export const cloudBillingImport: ImportKind = {
  spec: {
    kind: 'cloud-billing',
    summary: 'A cloud billing export (AWS CUR, or any file with a date and a cost per line item)',
    otherColumns: 'ignore',
    columns: [
      { key: 'date', names: ['date', 'usage_date', 'usage_start_date', 'lineitem/usagestartdate'], required: true, description: 'the usage date: 2026-10-31, or a date-time such as 2026-10-31T14:00:00Z' },
      { key: 'cost', names: ['cost', 'amount', 'lineitem/unblendedcost'], required: true, description: 'the line item cost (credits may be negative)' },
      { key: 'budget', names: ['budget'], required: false, description: "the month's budget (> 0), repeated or on one row of the month; default: the budget already entered" },
      { key: 'units', names: ['units'], required: false, description: 'usage units (requests, customers, …) for unit cost; summed per month' },
      { key: 'scope', names: ['scope'], required: false, description: 'org (default) or team:<id>' },
    ],
  },
  async plan(table, ctx) {
    const months = new Map<string, Month>()
    const dates = new Map<string, string | null>()
    for (const row of table.rows) readRow(table, row, ctx, months, dates)
    const list = [...months.values()].sort((a, b) => a.line - b.line)
    const missing = list.filter((m) => !m.budget)
    const stored = missing.length > 0 ? await storedBudgets(ctx, missing) : new Map<string, number>()
    const out: PlannedMeasurement[] = []
    for (const m of list) {
      const spend = round6(m.spend)
      const budget = m.budget?.value ?? stored.get(periodKey(m.scope, m))
      let ok = true
      if (budget === undefined) {
        table.fail(m.line, 'budget', `no budget for ${m.label}${m.scope === 'org' ? '' : ` (${m.scope})`}: add a budget column, or enter the month's budget first`)
        ok = false
      }
      if (spend < 0) {
        table.fail(m.line, 'cost', `the costs of ${m.label} add up to ${spend}: spend cannot be negative`)
        ok = false
      }
      const units = round6(m.units)
      if (table.has('units') && units <= 0) {
        table.fail(m.line, 'units', `the units of ${m.label} add up to 0: unit cost needs the usage units`)
        ok = false
      }
      if (!ok) continue
      const base = { scope: m.scope, periodStart: m.start, periodEnd: m.end, note: `Imported from a cloud billing export: ${m.items} line item${m.items === 1 ? '' : 's'}`, line: m.line }
      const spendComponents = { spend, budget: budget! }
      out.push({ ...base, kpiId: SPEND_KPI, value: valueFromComponents('entered.variance_of_sums', ['spend', 'budget'], spendComponents)!, components: spendComponents })
      if (table.has('units')) {
        const unitComponents = { cost: spend, units }
        out.push({ ...base, kpiId: UNIT_COST_KPI, value: valueFromComponents('entered.ratio_of_sums', ['cost', 'units'], unitComponents)!, components: unitComponents })
      }
    }
    return out
  },
}
