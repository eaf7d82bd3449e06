/**
 * Calendar periods in a time zone (DESIGN §4): ISO weeks starting Monday, months and quarters,
 * each the half-open interval [start, next start) between local midnights.
 */

export type PeriodKind = 'week' | 'month' | 'quarter'
export const PERIOD_KINDS: readonly PeriodKind[] = ['week', 'month', 'quarter']

export interface Period {
  kind: PeriodKind
  /** First instant (local midnight in the zone). */
  start: Date
  /** First instant of the next period. */
  end: Date
  /** `2026-W05`, `2026-10` or `2026-Q3`. */
  label: string
}

interface LocalDate {
  year: number
  month: number
  day: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    formatters.set(timeZone, f)
  }
  return f
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone)
    return true
  } catch {
    return false
  }
}

function localParts(at: Date, timeZone: string): LocalDate & { hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {}
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! }
}

/** Offset of the zone from UTC at `at`, in milliseconds (east positive). */
function offsetAt(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone)
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return asUtc - (at.getTime() - at.getUTCMilliseconds())
}

/** The instant of local midnight starting `date` in the zone (the first instant of that day when a DST jump skips midnight). */
export function localMidnight(date: LocalDate, timeZone: string): Date {
  const guess = Date.UTC(date.year, date.month - 1, date.day)
  let t = guess - offsetAt(new Date(guess), timeZone)
  // A second pass settles days whose offset differs from the guess's (DST changes).
  t = guess - offsetAt(new Date(t), timeZone)
  const back = localParts(new Date(t), timeZone)
  if (back.day !== date.day) t += 3_600_000 // midnight does not exist that day: the day starts at 01:00
  return new Date(t)
}

/** The local calendar date of an instant in the zone. */
export function localDate(at: Date, timeZone: string): LocalDate {
  const { year, month, day } = localParts(at, timeZone)
  return { year, month, day }
}

function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days))
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() }
}

function addMonths(d: LocalDate, months: number): LocalDate {
  const index = d.year * 12 + (d.month - 1) + months
  return { year: Math.floor(index / 12), month: (index % 12) + 1, day: 1 }
}

/** ISO weekday, Monday = 1 … Sunday = 7. */
function isoWeekday(d: LocalDate): number {
  const w = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay()
  return w === 0 ? 7 : w
}

/** ISO week-numbering year and week of a Monday. */
function isoWeek(monday: LocalDate): { year: number; week: number } {
  const thursday = addDays(monday, 3)
  const jan1 = Date.UTC(thursday.year, 0, 1)
  const week = Math.floor((Date.UTC(thursday.year, thursday.month - 1, thursday.day) - jan1) / 86_400_000 / 7) + 1
  return { year: thursday.year, week }
}

const pad = (n: number) => String(n).padStart(2, '0')

function firstDay(kind: PeriodKind, d: LocalDate): LocalDate {
  switch (kind) {
    case 'week':
      return addDays(d, 1 - isoWeekday(d))
    case 'month':
      return { year: d.year, month: d.month, day: 1 }
    case 'quarter':
      return { year: d.year, month: d.month - ((d.month - 1) % 3), day: 1 }
  }
}

function nextFirstDay(kind: PeriodKind, first: LocalDate): LocalDate {
  return kind === 'week' ? addDays(first, 7) : addMonths(first, kind === 'month' ? 1 : 3)
}

function label(kind: PeriodKind, first: LocalDate): string {
  switch (kind) {
    case 'week': {
      const w = isoWeek(first)
      return `${w.year}-W${pad(w.week)}`
    }
    case 'month':
      return `${first.year}-${pad(first.month)}`
    case 'quarter':
      return `${first.year}-Q${(first.month - 1) / 3 + 1}`
  }
}

function periodFrom(kind: PeriodKind, first: LocalDate, timeZone: string): Period {
  return { kind, start: localMidnight(first, timeZone), end: localMidnight(nextFirstDay(kind, first), timeZone), label: label(kind, first) }
}

/** The period of `kind` containing the instant `at`. */
export function periodContaining(kind: PeriodKind, at: Date, timeZone: string): Period {
  return periodFrom(kind, firstDay(kind, localDate(at, timeZone)), timeZone)
}

/** The period `steps` periods after `p` (negative: before). */
export function shiftPeriod(p: Period, steps: number, timeZone: string): Period {
  let first = firstDay(p.kind, localDate(p.start, timeZone))
  if (p.kind === 'week') first = addDays(first, 7 * steps)
  else first = addMonths(first, steps * (p.kind === 'month' ? 1 : 3))
  return periodFrom(p.kind, first, timeZone)
}

/** The `count` consecutive periods ending with the one containing `at`, oldest first. */
export function periodsEndingAt(kind: PeriodKind, at: Date, count: number, timeZone: string): Period[] {
  const last = periodContaining(kind, at, timeZone)
  return Array.from({ length: count }, (_, i) => shiftPeriod(last, i - count + 1, timeZone))
}

/**
 * Periods overlapping [from, to): from the one containing `from` to the one containing the last
 * instant before `to`, oldest first; at most `limit` (the newest are kept).
 */
export function periodsBetween(kind: PeriodKind, from: Date, to: Date, timeZone: string, limit = 520): Period[] {
  if (to <= from) return []
  const first = periodContaining(kind, from, timeZone)
  const last = periodContaining(kind, new Date(to.getTime() - 1), timeZone)
  const out: Period[] = []
  for (let p = last; p.start >= first.start && out.length < limit; p = shiftPeriod(p, -1, timeZone)) out.unshift(p)
  return out
}

const MONTH_LABEL = /^(\d{4})-(0[1-9]|1[0-2])$/
const QUARTER_LABEL = /^(\d{4})-Q([1-4])$/
const WEEK_LABEL = /^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$/

/** Parses `2026-10`, `2026-Q3` or `2026-W05` into its period; null when it is none of these. */
export function parsePeriodLabel(text: string, timeZone: string): Period | null {
  let m = MONTH_LABEL.exec(text)
  if (m) return periodFrom('month', { year: Number(m[1]), month: Number(m[2]), day: 1 }, timeZone)
  m = QUARTER_LABEL.exec(text)
  if (m) return periodFrom('quarter', { year: Number(m[1]), month: (Number(m[2]) - 1) * 3 + 1, day: 1 }, timeZone)
  m = WEEK_LABEL.exec(text)
  if (m) {
    // ISO week 1 is the week holding 4 January.
    const jan4: LocalDate = { year: Number(m[1]), month: 1, day: 4 }
    const monday = addDays(firstDay('week', jan4), 7 * (Number(m[2]) - 1))
    const p = periodFrom('week', monday, timeZone)
    return p.label === text ? p : null
  }
  return null
}

/** `YYYY-MM-DD` of an instant's local date in the zone. */
export function localIsoDate(at: Date, timeZone: string): string {
  const d = localDate(at, timeZone)
  return `${d.year}-${pad(d.month)}-${pad(d.day)}`
}

/** Local midnight starting an ISO date `YYYY-MM-DD` in the zone; null when malformed. */
export function parseLocalDate(text: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!m) return null
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }
  const check = new Date(Date.UTC(d.year, d.month - 1, d.day))
  if (check.getUTCMonth() + 1 !== d.month || check.getUTCDate() !== d.day) return null
  return localMidnight(d, timeZone)
}
