const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000

/** An incident's open span: [startedAt, resolvedAt), or until `now` while unresolved. */
export interface OpenSpan {
  startedAt: Date
  resolvedAt: Date | null
}

/**
 * The minutes during which at least one of `spans` is open, as merged, sorted [start, end) ms
 * intervals on whole minutes: a minute is bad when any incident is open during any part of it.
 */
export function badMinuteIntervals(spans: readonly OpenSpan[], now: Date): [number, number][] {
  const raw = spans
    .map((s): [number, number] => {
      const end = Math.min(s.resolvedAt?.getTime() ?? now.getTime(), Math.max(now.getTime(), s.startedAt.getTime()))
      return [Math.floor(s.startedAt.getTime() / MINUTE_MS) * MINUTE_MS, Math.ceil(end / MINUTE_MS) * MINUTE_MS]
    })
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0])
  const merged: [number, number][] = []
  for (const [a, b] of raw) {
    const last = merged[merged.length - 1]
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else merged.push([a, b])
  }
  return merged
}

/** One hour of the incident-derived SLI: total 60 minutes, good = minutes with no open sev1–sev2 incident. */
export interface HourAvailability {
  intervalStart: Date
  intervalEnd: Date
  good: number
  total: number
}

/** Availability per hour for the hours starting in [fromHour, toHour) (ms, hour boundaries). */
export function hourlyAvailability(bad: readonly [number, number][], fromHour: number, toHour: number): HourAvailability[] {
  const out: HourAvailability[] = []
  let i = 0
  for (let h = fromHour; h < toHour; h += HOUR_MS) {
    const end = h + HOUR_MS
    while (i < bad.length && bad[i]![1] <= h) i++
    let badMs = 0
    for (let j = i; j < bad.length && bad[j]![0] < end; j++) badMs += Math.min(end, bad[j]![1]) - Math.max(h, bad[j]![0])
    out.push({ intervalStart: new Date(h), intervalEnd: new Date(end), good: 60 - badMs / MINUTE_MS, total: 60 })
  }
  return out
}
