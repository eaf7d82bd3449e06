/** A half-open time range [start, end), epoch ms. */
export interface Window {
  start: number
  end: number
}

/** PagerDuty's longest `since`…`until` span: 6 months; 180 days stays inside it whatever the months. */
export const MAX_WINDOW_MS = 180 * 86_400_000

/** [from, to) cut into consecutive windows of at most `maxMs`, oldest first. */
export function planWindows(from: number, to: number, maxMs = MAX_WINDOW_MS): Window[] {
  const out: Window[] = []
  for (let start = from; start < to; start += maxMs) out.push({ start, end: Math.min(to, start + maxMs) })
  return out
}

/** A window cut in two halves, or null when it is too short to cut. */
export function halve(w: Window): [Window, Window] | null {
  const mid = Math.floor((w.start + w.end) / 2)
  if (mid <= w.start || mid >= w.end) return null
  return [
    { start: w.start, end: mid },
    { start: mid, end: w.end },
  ]
}
