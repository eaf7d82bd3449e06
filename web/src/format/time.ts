const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const toDate = (at: Date | string) => (typeof at === 'string' ? new Date(at) : at)

/**
 * How long before `now` the instant `at` was: "just now" (under a minute, or in the future),
 * "12 min ago", "3 h ago", "2 d ago". Units are truncated, never rounded up.
 */
export function formatRelative(at: Date | string, now: Date): string {
  const ms = now.getTime() - toDate(at).getTime()
  if (ms < MINUTE) return 'just now'
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ago`
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ago`
  return `${Math.floor(ms / DAY)} d ago`
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(withYear: boolean, timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${withYear}|${timeZone ?? ''}`
  let f = formatters.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: withYear ? 'numeric' : undefined,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
    })
    formatters.set(key, f)
  }
  return f
}

const yearOf = (d: Date, timeZone: string | undefined) =>
  new Intl.DateTimeFormat('en-GB', { year: 'numeric', timeZone }).format(d)

/**
 * "3 Nov, 14:02", or "3 Nov 2024, 14:02" when the year is not `now`'s, in `timeZone`
 * (an IANA name) or the browser's own.
 */
export function formatDateTime(at: Date | string, options: { now?: Date; timeZone?: string } = {}): string {
  const { now = new Date(), timeZone } = options
  const date = toDate(at)
  return formatter(yearOf(date, timeZone) !== yearOf(now, timeZone), timeZone).format(date)
}
