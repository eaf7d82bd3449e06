export type Freshness = 'fresh' | 'stale' | 'error' | 'running' | 'never'

export interface SyncTimes {
  source: string
  lastStartedAt: Date | null
  lastSuccessAt: Date | null
  lastErrorAt: Date | null
}

/** A sync older than this is stale (the default schedule collects every 15 minutes). */
export const STALE_AFTER_HOURS = 6
const RUNNING_FOR_AT_MOST_HOURS = 6
const HOUR = 3_600_000

/**
 * How fresh one source/scope's data is at `now`: the last attempt failed → error; started after
 * its last outcome and not abandoned → running; never succeeded → never; older than
 * STALE_AFTER_HOURS → stale. Demo data is generated, not collected, so it never goes stale.
 */
export function freshness(s: SyncTimes, now: Date): Freshness {
  const success = s.lastSuccessAt?.getTime() ?? -Infinity
  const error = s.lastErrorAt?.getTime() ?? -Infinity
  const started = s.lastStartedAt?.getTime() ?? -Infinity
  const lastOutcome = Math.max(success, error)
  if (started > lastOutcome && now.getTime() - started < RUNNING_FOR_AT_MOST_HOURS * HOUR) return 'running'
  if (error > success) return 'error'
  if (success === -Infinity) return 'never'
  if (s.source !== 'demo' && now.getTime() - success > STALE_AFTER_HOURS * HOUR) return 'stale'
  return 'fresh'
}
