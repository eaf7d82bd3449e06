export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** Midnight UTC of the day `t` (ms) falls on. */
export const dayStart = (t: number) => Math.floor(t / DAY) * DAY

/** Saturday or Sunday in UTC. */
export function isWeekend(t: number): boolean {
  const day = new Date(t).getUTCDay()
  return day === 0 || day === 6
}

/** `t` moved by whole calendar months (UTC), clamped to the end of shorter months. */
export function addMonths(t: number, months: number): number {
  const d = new Date(t)
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes()))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay))
  return target.getTime()
}

/** The first day (00:00 UTC) of each month starting in [from, to). */
export function monthStarts(from: number, to: number): number[] {
  const d = new Date(from)
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  if (t < from) t = addMonths(t, 1)
  const out: number[] = []
  for (; t < to; t = addMonths(t, 1)) out.push(t)
  return out
}

/** 'YYYY-MM-DD' of `t` in UTC. */
export const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10)

/** `t` rounded down to the whole second, so stored timestamps need no sub-second precision. */
export const wholeSecond = (t: number) => Math.floor(t / 1000) * 1000

/**
 * A moment in [from, to) during UTC working hours (08–18, busiest mid-day), on a weekday
 * except for `weekendShare` of the time.
 */
export function workingMoment(rng: { float(lo?: number, hi?: number): number; chance(p: number): boolean }, from: number, to: number, weekendShare = 0.04): number {
  for (let attempt = 0; attempt < 20; attempt++) {
    const day = dayStart(from + rng.float() * (to - from))
    if (isWeekend(day) && !rng.chance(weekendShare)) continue
    const hour = 8 + 5 * (rng.float() + rng.float())
    const t = wholeSecond(day + hour * HOUR)
    if (t >= from && t < to) return t
  }
  return wholeSecond(from + rng.float() * (to - from))
}
