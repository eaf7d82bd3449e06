import { computed, type ComputedRef } from 'vue'
import { useRoute, useRouter, type LocationQuery, type LocationQueryRaw } from 'vue-router'
import type { Compare, KpiParams, PeriodKind } from '../api/kpis.ts'
import { useOrg } from './useOrg.ts'

/**
 * The dashboard's shared selection — frequency, scope, comparison and range — kept in the URL so
 * that a link is a share. Defaults (month, org, previous, up to now) are left out of the URL.
 */
export interface KpiQueryState {
  period: PeriodKind
  /** org, team:<id> or service:<name>. */
  scope: string
  compare: Compare
  /** ISO date: start of the first period shown; absent = 12 periods before `to`. */
  from?: string
  /** ISO date, exclusive end of the shown range; absent = up to now. */
  to?: string
}

export const PERIODS: readonly PeriodKind[] = ['week', 'month', 'quarter']
export const DEFAULT_STATE: Readonly<KpiQueryState> = { period: 'month', scope: 'org', compare: 'previous' }
/** Periods in a sparkline: the API's default 12 plus one, so the oldest shown still has a delta. */
export const SPARKLINE_PERIODS = 13

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

const first = (v: LocationQuery[string] | undefined): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' && s !== '' ? s : undefined
}

/** Reads the selection from a route's query; unknown or malformed values fall back to the defaults. */
export function parseKpiQuery(query: LocationQuery): KpiQueryState {
  const period = first(query.period)
  const compare = first(query.compare)
  const from = first(query.from)
  const to = first(query.to)
  const state: KpiQueryState = {
    period: PERIODS.includes(period as PeriodKind) ? (period as PeriodKind) : DEFAULT_STATE.period,
    scope: first(query.scope) ?? DEFAULT_STATE.scope,
    compare: compare === 'year' ? 'year' : 'previous',
  }
  if (from && ISO_DATE.test(from)) state.from = from
  if (to && ISO_DATE.test(to)) state.to = to
  // A range the server would refuse (to ≤ from) keeps only its end.
  if (state.from && state.to && state.to <= state.from) delete state.from
  return state
}

/** The selection as query keys, defaults left out; for router links that keep the selection. */
export function kpiQueryToRoute(state: KpiQueryState): Record<string, string> {
  const q: Record<string, string> = {}
  if (state.period !== DEFAULT_STATE.period) q.period = state.period
  if (state.scope !== DEFAULT_STATE.scope) q.scope = state.scope
  if (state.compare !== DEFAULT_STATE.compare) q.compare = state.compare
  if (state.from) q.from = state.from
  if (state.to) q.to = state.to
  return q
}

// Calendar arithmetic on ISO dates. The server reads a bare date as local midnight in the
// configured timezone, so whole-day arithmetic in UTC gives exactly its period boundaries.
const parse = (date: string) => new Date(`${date}T00:00:00Z`)
const iso = (d: Date) => d.toISOString().slice(0, 10)

/** First day of the period of `kind` containing `date` (ISO week: Monday). */
export function periodStart(kind: PeriodKind, date: string): string {
  const d = parse(date)
  if (kind === 'week') {
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
    return iso(d)
  }
  const month = kind === 'month' ? d.getUTCMonth() : d.getUTCMonth() - (d.getUTCMonth() % 3)
  return iso(new Date(Date.UTC(d.getUTCFullYear(), month, 1)))
}

/** The period start `steps` periods after the period start `start` (negative: before). */
export function shiftPeriodStart(kind: PeriodKind, start: string, steps: number): string {
  const d = parse(start)
  if (kind === 'week') d.setUTCDate(d.getUTCDate() + 7 * steps)
  else d.setUTCMonth(d.getUTCMonth() + steps * (kind === 'month' ? 1 : 3))
  return iso(d)
}

/** The day before `date`. */
export const dayBefore = (date: string): string => {
  const d = parse(date)
  d.setUTCDate(d.getUTCDate() - 1)
  return iso(d)
}

/** Today's date in `timeZone` (the organisation's), else the browser's. */
export function today(timeZone?: string, now = new Date()): string {
  try {
    // en-CA formats as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
  } catch {
    return iso(now)
  }
}

/** The exclusive end of the last period shown: the period containing the day before `to`, or the current one. */
export function lastPeriodEnd(state: Pick<KpiQueryState, 'period' | 'to'>, todayDate: string): string {
  const lastDay = state.to ? dayBefore(state.to) : todayDate
  return shiftPeriodStart(state.period, periodStart(state.period, lastDay), 1)
}

/** Whole periods from the period start `a` to the period start `b` (negative when `b` is earlier). */
export function periodsApart(kind: PeriodKind, a: string, b: string): number {
  if (kind === 'week') return Math.round((parse(b).getTime() - parse(a).getTime()) / (7 * 86_400_000))
  const months = (parse(b).getUTCFullYear() - parse(a).getUTCFullYear()) * 12 + parse(b).getUTCMonth() - parse(a).getUTCMonth()
  return kind === 'month' ? months : Math.round(months / 3)
}

/**
 * The selection moved by `steps` periods (previous/next). Up to now, the latest value that counts is
 * the last completed period (what the tiles show), so stepping starts from there: one step back ends
 * the range before it, and stepping forward onto it again drops `to` ("up to now"). `from` moves with
 * the end, keeping the range's length.
 */
export function stepKpiQuery(state: KpiQueryState, steps: number, todayDate: string): KpiQueryState {
  const currentStart = periodStart(state.period, todayDate)
  const currentEnd = shiftPeriodStart(state.period, currentStart, 1)
  const end = state.to ? lastPeriodEnd(state, todayDate) : currentStart
  const movedTo = shiftPeriodStart(state.period, end, steps)
  const next: KpiQueryState = { ...state }
  if (movedTo >= currentStart) delete next.to
  else next.to = movedTo
  if (state.from) {
    const shownEnd = state.to ? end : currentEnd
    next.from = shiftPeriodStart(state.period, periodStart(state.period, state.from), periodsApart(state.period, shownEnd, next.to ?? currentEnd))
  }
  return next
}

/** API parameters for the selection. */
export function toKpiParams(state: KpiQueryState): KpiParams {
  const p: KpiParams = { period: state.period, scope: state.scope }
  if (state.compare !== 'previous') p.compare = state.compare
  if (state.from) p.from = state.from
  if (state.to) p.to = state.to
  return p
}

/**
 * API parameters asking for at least `count` periods ending with the last one shown — the 13-period
 * sparklines, and the extra period a previous-period overlay needs. An explicit `from` further back wins.
 */
export function withHistory(state: KpiQueryState, count: number, todayDate: string): KpiParams {
  const p = toKpiParams(state)
  const from = shiftPeriodStart(state.period, lastPeriodEnd(state, todayDate), -count)
  p.from = state.from && state.from < from ? state.from : from
  return p
}

export interface KpiQuery {
  /** The selection read from the URL. */
  state: ComputedRef<KpiQueryState>
  /** API parameters for the selection as it is (the API's default 12 periods). */
  params: ComputedRef<KpiParams>
  /** API parameters covering the 13 completed periods a sparkline shows (plus the current one). */
  sparklineParams: ComputedRef<KpiParams>
  /** The selection's query keys (defaults omitted), to keep it on links: `{ path, query }`. */
  routeQuery: ComputedRef<Record<string, string>>
  /** Today in the organisation's timezone (ISO date). */
  today: ComputedRef<string>
  /** Whether "next" would move: false when the range already runs up to now. */
  canGoNext: ComputedRef<boolean>
  /** Changes part of the selection; writes the URL (a new history entry, so Back undoes it). */
  update: (patch: Partial<KpiQueryState>) => Promise<void>
  /** Moves the range by `steps` periods. */
  step: (steps: number) => Promise<void>
}

/** The shared selection of the current route; every KPI view reads and writes it through this. */
export function useKpiQuery(): KpiQuery {
  const route = useRoute()
  const router = useRouter()
  const org = useOrg()

  const state = computed(() => parseKpiQuery(route.query))
  const todayDate = computed(() => today(org.data?.timezone))

  async function write(next: KpiQueryState): Promise<void> {
    // Keep keys other views put in the query (e.g. a selected period on the KPI page) unless they are ours.
    const others: LocationQueryRaw = Object.fromEntries(Object.entries(route.query).filter(([k]) => !['period', 'scope', 'compare', 'from', 'to'].includes(k)))
    await router.push({ query: { ...others, ...kpiQueryToRoute(next) } })
  }

  return {
    state,
    params: computed(() => toKpiParams(state.value)),
    // Up to now the last period is still partial and tiles show the one before: ask for one more.
    sparklineParams: computed(() => withHistory(state.value, SPARKLINE_PERIODS + (state.value.to ? 0 : 1), todayDate.value)),
    routeQuery: computed(() => kpiQueryToRoute(state.value)),
    today: todayDate,
    canGoNext: computed(() => state.value.to !== undefined),
    update: (patch) => {
      const next: KpiQueryState = { ...state.value, ...patch }
      for (const key of ['from', 'to'] as const) if (!next[key]) delete next[key]
      return write(next)
    },
    step: (steps) => write(stepKpiQuery(state.value, steps, todayDate.value)),
  }
}
