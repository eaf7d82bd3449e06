import { localIsoDate, parseLocalDate, parsePeriodLabel } from '../metrics/periods.ts'

/** A measurement's period as local dates, end exclusive. */
export interface DateSpan {
  start: string
  end: string
}

/** The longest period a measurement may cover (a year, leap day included). */
export const MAX_SPAN_DAYS = 366

const DAY_MS = 86_400_000
const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)

/** Today's local date in the zone, `YYYY-MM-DD`. */
export const todayIn = (now: Date, timeZone: string) => localIsoDate(now, timeZone)

/** `2026-10`, `2026-Q3` or `2026-W05` as local dates; an error message when it is none of these. */
export function spanOfLabel(label: string, timeZone: string): DateSpan | string {
  const p = parsePeriodLabel(label.trim(), timeZone)
  if (!p) return `"${label}" is not a period: expected a month (2026-10), a quarter (2026-Q3) or an ISO week (2026-W05)`
  return { start: localIsoDate(p.start, timeZone), end: localIsoDate(p.end, timeZone) }
}

/** Explicit start and end dates (`YYYY-MM-DD`, end exclusive); an error message when they do not make a period. */
export function spanOfDates(start: string, end: string, timeZone: string): DateSpan | string {
  if (!parseLocalDate(start, timeZone)) return `start "${start}" is not a date (YYYY-MM-DD)`
  if (!parseLocalDate(end, timeZone)) return `end "${end}" is not a date (YYYY-MM-DD)`
  if (end <= start) return 'end must be after start (end is exclusive: the day after the last day)'
  if (days(start, end) > MAX_SPAN_DAYS) return `a period covers at most ${MAX_SPAN_DAYS} days`
  return { start, end }
}

/** An error message when the period has not started by `today` (values are entered for periods under way or past). */
export function futureProblem(span: DateSpan, today: string): string | null {
  return span.start > today ? `the period starting ${span.start} has not started yet (today is ${today})` : null
}
