import type { KpiDefinition } from '../kpis/definition.ts'
import { derivesFromComponents, valueFromComponents } from '../metrics/manual.metrics.ts'
import type { ScopeVerdict } from './scopes.ts'
import { futureProblem, spanOfDates, spanOfLabel, type DateSpan } from './period-input.ts'
import type { MeasurementInput } from './write.ts'

/** A problem with one field of an entered value. */
export interface EntryProblem {
  field: string
  message: string
}

/** The body of POST /api/measurements once its schema has been checked. */
export interface EntryBody {
  kpi: string
  scope: string
  period?: string
  start?: string
  end?: string
  value?: number
  components?: Record<string, number>
  note?: string
}

/** What checking an entry needs: the definitions, the zone and today's local date, and the caller's scope verdicts. */
export interface EntryDeps {
  definitions: ReadonlyMap<string, KpiDefinition>
  timezone: string
  today: string
  scope: (text: string) => ScopeVerdict
}

/** How far a given value may stray from the one its components give (rounding by the client). */
const TOLERANCE = 1e-6

/**
 * Rules a value must follow by the KPI's unit: counts are whole numbers ≥ 0; hours, days and
 * currency are ≥ 0; ratios (a variance may be negative) and scores are any finite number.
 */
export function unitProblem(def: KpiDefinition, value: number): string | null {
  if (def.unit === 'count' && (!Number.isInteger(value) || value < 0)) return `must be a whole number ≥ 0 (${def.id} is a count)`
  if ((def.unit === 'hours' || def.unit === 'days' || def.unit === 'currency') && value < 0) return `must be ≥ 0 (${def.id} is in ${def.unit})`
  return null
}

/** Entered KPIs, for messages. */
const enteredIds = (defs: ReadonlyMap<string, KpiDefinition>) => [...defs.values()].filter((d) => d.source === 'entered').map((d) => d.id).sort()

function componentProblems(def: KpiDefinition, given: Record<string, number> | undefined, derived: boolean): EntryProblem[] {
  const names = def.components ?? []
  if (given === undefined) {
    return derived ? [{ field: 'components', message: `is required: ${def.id} is computed from ${names.join(' and ')}, e.g. { ${names.map((n) => `"${n}": 100`).join(', ')} }` }] : []
  }
  if (names.length === 0) return [{ field: 'components', message: `${def.id} takes no components; send value only` }]
  const out: EntryProblem[] = []
  for (const k of Object.keys(given)) if (!names.includes(k)) out.push({ field: `components.${k}`, message: `is not a component of ${def.id} (expected ${names.join(', ')})` })
  for (const [i, n] of names.entries()) {
    const v = given[n]
    if (v === undefined) out.push({ field: `components.${n}`, message: `is required (${def.id} takes ${names.join(', ')})` })
    else if (derived && i === 1 && v <= 0) out.push({ field: `components.${n}`, message: `must be > 0: it is the denominator` })
  }
  return out
}

/**
 * Checks an entered value against its KPI definition and resolves it to a row to store. Returns
 * every problem at once (`problems`, answered 400) or, when the body is sound but the scope is
 * not the caller's to write, `forbidden` (403).
 */
export function resolveEntry(
  body: EntryBody,
  deps: EntryDeps,
): { ok: true; input: MeasurementInput; definition: KpiDefinition } | { ok: false; problems: EntryProblem[]; forbidden: string | null } {
  const problems: EntryProblem[] = []
  const def = deps.definitions.get(body.kpi)
  if (!def) problems.push({ field: 'kpi', message: `unknown KPI "${body.kpi}"; entered KPIs are: ${enteredIds(deps.definitions).join(', ') || '(none defined)'}` })
  else if (def.source !== 'entered') problems.push({ field: 'kpi', message: `${def.id} is computed from collected data; only entered KPIs (source: entered) take values` })

  const verdict = deps.scope(body.scope)
  if (!verdict.ok && !verdict.forbidden) problems.push({ field: 'scope', message: verdict.message })

  let span: DateSpan | string
  if (body.period !== undefined) {
    span = body.start !== undefined || body.end !== undefined ? 'give either period or start and end, not both' : spanOfLabel(body.period, deps.timezone)
    if (typeof span === 'string') problems.push({ field: 'period', message: span })
  } else if (body.start !== undefined && body.end !== undefined) {
    span = spanOfDates(body.start, body.end, deps.timezone)
    if (typeof span === 'string') problems.push({ field: span.startsWith('end') ? 'end' : 'start', message: span })
  } else {
    span = 'is required: a month (2026-10), a quarter (2026-Q3) or an ISO week (2026-W05), or start and end dates'
    problems.push({ field: body.start !== undefined ? 'end' : body.end !== undefined ? 'start' : 'period', message: span })
  }
  if (typeof span !== 'string') {
    const future = futureProblem(span, deps.today)
    if (future) problems.push({ field: body.period !== undefined ? 'period' : 'start', message: future })
  }

  let value: number | null = null
  if (def && def.source === 'entered') {
    const derived = derivesFromComponents(def.formula)
    const before = problems.length
    problems.push(...componentProblems(def, body.components, derived))
    if (derived) {
      if (problems.length === before && body.components) {
        value = valueFromComponents(def.formula, def.components!, body.components)
        if (value !== null && body.value !== undefined && Math.abs(body.value - value) > TOLERANCE * Math.max(1, Math.abs(value))) {
          problems.push({ field: 'value', message: `${body.value} does not match its components (${value}); leave value out, it is computed from ${def.components!.join(' and ')}` })
        }
      }
    } else if (body.value === undefined) {
      problems.push({ field: 'value', message: 'is required' })
    } else {
      value = body.value
      const unit = unitProblem(def, value)
      if (unit) problems.push({ field: 'value', message: unit })
    }
  }

  if (problems.length > 0) return { ok: false, problems, forbidden: null }
  if (!verdict.ok) return { ok: false, problems: [], forbidden: verdict.message }
  const dates = span as DateSpan
  const note = body.note?.trim()
  return {
    ok: true,
    definition: def!,
    input: {
      kpiId: def!.id,
      scope: verdict.key,
      periodStart: dates.start,
      periodEnd: dates.end,
      value: value!,
      components: body.components ? Object.fromEntries(def!.components!.map((n) => [n, body.components![n]!])) : null,
      note: note ? note : null,
    },
  }
}
