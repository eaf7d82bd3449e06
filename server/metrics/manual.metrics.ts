import type { KpiDefinition } from '../kpis/definition.ts'
import { measurementHistory, measurementsOverlapping, type MeasurementHistoryRow, type MeasurementRow } from '../repositories/kpi/measurements.repository.ts'
import { localIsoDate, type Period, type PeriodKind } from './periods.ts'
import type { Formula, MetricContext, MetricRecord, PeriodValue, RecordsPage, RecordsQuery } from './types.ts'

/*
 * Entered KPIs (DESIGN §4): values typed in the form, posted to /api/measurements or imported from
 * CSV, one per KPI, scope and period ([period_start, period_end) in local dates). A period's value
 * comes from the measurements of exactly its scope that lie within it; see `periodValue`.
 */

export const ENTERED_FORMULA_IDS = ['entered.mean', 'entered.sum', 'entered.ratio_of_sums', 'entered.variance_of_sums'] as const
export type EnteredFormulaId = (typeof ENTERED_FORMULA_IDS)[number]

/** Whether a formula computes a measurement's value from its two components (numerator/actual first, denominator/plan second). */
export function derivesFromComponents(formulaId: string): boolean {
  return formulaId === 'entered.ratio_of_sums' || formulaId === 'entered.variance_of_sums'
}

/**
 * The value two components give under a deriving formula: `c0 ÷ c1` (ratio) or `(c0 − c1) ÷ c1`
 * (variance, e.g. spend against budget); null when a component is missing or the denominator is 0.
 */
export function valueFromComponents(formulaId: string, names: readonly string[], components: Readonly<Record<string, number>>): number | null {
  const [a, b] = [components[names[0]!], components[names[1]!]]
  if (a === undefined || b === undefined || b === 0) return null
  if (formulaId === 'entered.ratio_of_sums') return a / b
  if (formulaId === 'entered.variance_of_sums') return (a - b) / b
  return null
}

const DAY_MS = 86_400_000
const utcDay = (iso: string) => Date.parse(`${iso}T00:00:00Z`)
const daysBetween = (from: string, to: string) => Math.round((utcDay(to) - utcDay(from)) / DAY_MS)
const previousDay = (iso: string) => new Date(utcDay(iso) - DAY_MS).toISOString().slice(0, 10)

/** `quarterly`, `monthly`, `weekly`, … or `for 2026-01-15 – 2026-02-14` for the span a measurement covers. */
export function cadenceOf(m: { periodStart: string; periodEnd: string }): string {
  const [y1, m1, d1] = m.periodStart.split('-').map(Number) as [number, number, number]
  const [y2, m2, d2] = m.periodEnd.split('-').map(Number) as [number, number, number]
  if (d1 === 1 && d2 === 1) {
    const months = y2 * 12 + m2 - (y1 * 12 + m1)
    if (months === 1) return 'monthly'
    if (months === 3 && (m1 - 1) % 3 === 0) return 'quarterly'
    if (months === 6 && (m1 - 1) % 6 === 0) return 'half-yearly'
    if (months === 12 && m1 === 1) return 'yearly'
  }
  if (daysBetween(m.periodStart, m.periodEnd) === 7 && new Date(utcDay(m.periodStart)).getUTCDay() === 1) return 'weekly'
  return `for ${m.periodStart} – ${previousDay(m.periodEnd)}`
}

/** The measurements inside [from, to); of nested ones only the outermost (a finer entry inside a coarser one is its breakdown, not counted again). */
export function measurementsBehind<M extends { periodStart: string; periodEnd: string }>(rows: readonly M[], from: string, to: string): M[] {
  const inside = rows.filter((m) => m.periodStart >= from && m.periodEnd <= to)
  return inside.filter(
    (m) => !inside.some((o) => o !== m && o.periodStart <= m.periodStart && m.periodEnd <= o.periodEnd && (o.periodStart < m.periodStart || m.periodEnd < o.periodEnd)),
  )
}

/** Days of [from, to) covered by the measurements (overlaps counted once). */
function coveredDays(used: readonly MeasurementRow[]): number {
  let days = 0
  let reach = ''
  for (const m of [...used].sort((a, b) => (a.periodStart < b.periodStart ? -1 : 1))) {
    const start = m.periodStart > reach ? m.periodStart : reach
    if (m.periodEnd > start) days += daysBetween(start, m.periodEnd)
    if (m.periodEnd > reach) reach = m.periodEnd
  }
  return days
}

const KIND_NAME: Record<PeriodKind, string> = { week: 'week', month: 'month', quarter: 'quarter' }
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length

/** Sums of the components when every measurement has all of them; else null. */
function componentSums(used: readonly MeasurementRow[], names: readonly string[]): Record<string, number> | null {
  if (names.length === 0) return null
  const sums: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]))
  for (const m of used) {
    for (const n of names) {
      const v = m.components?.[n]
      if (v === undefined) return null
      sums[n]! += v
    }
  }
  return sums
}

/**
 * One period's value from the measurements overlapping it (DESIGN §4, entered KPIs):
 * - used: those lying within the period (outermost of nested ones); one exactly matching the
 *   period is used as it is;
 * - several are aggregated: `entered.mean` → mean of values, `entered.sum` → sum,
 *   `entered.ratio_of_sums` → Σc0 ÷ Σc1, `entered.variance_of_sums` → (Σc0 − Σc1) ÷ Σc1; the two
 *   ratio formulas fall back to the mean of the values when some measurement lacks a component;
 * - none within but one overlapping (a quarterly figure viewed by month) → null, reason "entered quarterly …".
 */
export function periodValue(def: Pick<KpiDefinition, 'formula' | 'components'>, period: Pick<Period, 'kind' | 'label'>, from: string, to: string, rows: readonly MeasurementRow[]): PeriodValue {
  const used = measurementsBehind(rows, from, to)
  if (used.length === 0) {
    const straddling = rows.find((m) => m.periodStart < to && m.periodEnd > from)
    const reason = straddling
      ? `entered ${cadenceOf(straddling)} (${straddling.periodStart} – ${previousDay(straddling.periodEnd)}): no value for a single ${KIND_NAME[period.kind]}`
      : `nothing entered for ${period.label}`
    return { value: null, sampleSize: 0, reason }
  }
  const names = def.components ?? []
  const sums = componentSums(used, names)
  const out: PeriodValue = { value: null, sampleSize: used.length }
  if (sums) out.measures = sums
  const reasons: string[] = []
  if (used.length === 1 && used[0]!.periodStart === from && used[0]!.periodEnd === to) {
    out.value = used[0]!.value
  } else if (def.formula === 'entered.sum') {
    out.value = used.reduce((s, m) => s + m.value, 0)
  } else if (derivesFromComponents(def.formula) && sums) {
    out.value = valueFromComponents(def.formula, names, sums)
    if (out.value === null) reasons.push(`${names[1]} adds up to 0`)
  } else {
    out.value = mean(used.map((m) => m.value))
    if (derivesFromComponents(def.formula)) reasons.push(`mean of the entered values: not every entry has ${names.join(' and ')}`)
  }
  const covered = coveredDays(used)
  const days = daysBetween(from, to)
  if (covered < days) reasons.push(`entered for ${covered} of ${days} days`)
  if (reasons.length > 0) out.reason = reasons.join('; ')
  return out
}

async function compute(ctx: MetricContext): Promise<PeriodValue[]> {
  if (ctx.periods.length === 0) return []
  const tz = ctx.timezone
  const rows = await measurementsOverlapping(ctx.db, {
    kpiId: ctx.definition.id,
    scope: ctx.scope.key,
    from: localIsoDate(ctx.periods[0]!.start, tz),
    to: localIsoDate(ctx.periods[ctx.periods.length - 1]!.end, tz),
  })
  return ctx.periods.map((p) => periodValue(ctx.definition, p, localIsoDate(p.start, tz), localIsoDate(p.end, tz), rows))
}

const fmt = (v: number | null) => (v === null ? '—' : String(v))
function describeChange(h: MeasurementHistoryRow): string {
  const parts = [`${fmt(h.valueBefore)} → ${h.valueAfter}`]
  const keys = [...new Set([...Object.keys(h.componentsBefore ?? {}), ...Object.keys(h.componentsAfter ?? {})])]
  const changed = keys.filter((k) => h.componentsBefore?.[k] !== h.componentsAfter?.[k])
  if (changed.length > 0) parts.push(`(${changed.map((k) => `${k} ${fmt(h.componentsBefore?.[k] ?? null)} → ${fmt(h.componentsAfter?.[k] ?? null)}`).join(', ')})`)
  return `${h.changedAt.toISOString()} ${h.changedBy} [${h.source}]: ${parts.join(' ')}`
}

/** A measurement as a record: who entered it and when, its note, components (`component.<name>`) and corrections, newest first. */
export function measurementRecord(m: MeasurementRow, history: readonly MeasurementHistoryRow[]): MetricRecord {
  const fields: MetricRecord['fields'] = {
    scope: m.scope,
    periodStart: m.periodStart,
    periodEnd: m.periodEnd,
    enteredBy: m.enteredBy,
    enteredAt: m.enteredAt.toISOString(),
    source: m.source,
    note: m.note,
  }
  for (const [k, v] of Object.entries(m.components ?? {})) fields[`component.${k}`] = v
  fields.corrections = history.length
  fields.lastCorrectedBy = history[0]?.changedBy ?? null
  fields.lastCorrectedAt = history[0]?.changedAt.toISOString() ?? null
  fields.history = history.length > 0 ? history.map(describeChange).join('\n') : null
  return {
    type: 'measurement',
    id: String(m.id),
    title: `${m.kpiId} for ${m.periodStart} – ${previousDay(m.periodEnd)} (${m.scope})`,
    at: m.enteredAt.toISOString(),
    url: null,
    value: m.value,
    fields,
  }
}

async function records(ctx: MetricContext, q: RecordsQuery): Promise<RecordsPage> {
  const from = localIsoDate(q.start, ctx.timezone)
  const to = localIsoDate(q.end, ctx.timezone)
  const rows = await measurementsOverlapping(ctx.db, { kpiId: ctx.definition.id, scope: ctx.scope.key, from, to })
  const used = measurementsBehind(rows, from, to)
  const page = used.slice(q.offset, q.offset + q.limit)
  const history = await measurementHistory(ctx.db, page.map((m) => m.id))
  return { total: used.length, records: page.map((m) => measurementRecord(m, history.filter((h) => h.measurementId === m.id))) }
}

const entered = (id: EnteredFormulaId): Formula => ({ id, entered: true, compute, records })

/** The manual family's formulas (DESIGN §4): entered KPIs read from `measurement`, in the KPI's own unit. */
export const manualFormulas: Formula[] = ENTERED_FORMULA_IDS.map(entered)
