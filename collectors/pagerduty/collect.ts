import type { Kysely } from 'kysely'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { createJsonClient } from '../shared/http-client.ts'
import { type IncidentCollectOptions, type IncidentCollectReport, runIncidentCollect } from '../shared/incident-common.ts'
import { type PdIncident, SOURCE, incidentFromPagerDuty } from './mappers.ts'
import { type Window, halve, planWindows } from './windows.ts'

/** PagerDuty's paging limits: `limit` ≤ 100 and offset + limit ≤ 10,000 per query. */
export const PAGE_LIMIT = 100
export const MAX_OFFSET_PLUS_LIMIT = 10_000

/** Incidents created before `until` have been read; `oldestOpen` is the creation of the oldest one still open then. */
export interface PagerDutyCursor {
  until: string
  oldestOpen: string | null
}

interface IncidentsPage {
  incidents: PdIncident[]
  limit?: number
  offset?: number
  more?: boolean
  total?: number | null
}

/** Re-read this much before the last run's end: incidents created just before it may not have been listed yet. */
const OVERLAP_MS = 60 * 60_000

/**
 * Collects PagerDuty incidents (`sources.pagerduty`) from `GET /incidents`, in creation-time
 * windows of at most 6 months, 100 per page, a window split in two whenever it holds more than
 * the 10,000 an offset can reach. The first run backfills 12 months (or from `since`); later runs
 * read from the last run's end, or from the oldest incident still open then, so resolutions are
 * picked up. The cursor is saved with the rows of each finished window.
 */
export async function collectPagerDuty(db: Kysely<Database>, config: AppConfig, options: IncidentCollectOptions = {}): Promise<IncidentCollectReport> {
  const pd = config.sources.pagerduty
  if (!pd?.token) throw new Error('sources.pagerduty is not configured (baseUrl and token)')
  const client = createJsonClient({
    vendor: 'PagerDuty',
    baseUrl: pd.baseUrl,
    headers: { Authorization: `Token token=${pd.token}`, Accept: 'application/vnd.pagerduty+json;version=2' },
    sleep: options.sleep,
    maxAttempts: options.maxAttempts,
    now: options.now,
  })

  return runIncidentCollect<PagerDutyCursor>(db, config, SOURCE, options, () => client.requests, async (ctx) => {
    const to = ctx.now.getTime()
    const from = ctx.cursor
      ? Math.min(Date.parse(ctx.cursor.until) - OVERLAP_MS, ctx.cursor.oldestOpen ? Date.parse(ctx.cursor.oldestOpen) : Infinity)
      : ctx.since.getTime()
    const queue = planWindows(Math.min(from, to), to)
    let oldestOpen: number | null = null
    let done = 0
    let cursor: PagerDutyCursor = ctx.cursor ?? { until: new Date(Math.min(from, to)).toISOString(), oldestOpen: null }
    ctx.progress(done, queue.length)

    const fetchPage = (w: Window, offset: number) =>
      client.get<IncidentsPage>('/incidents', {
        since: new Date(w.start).toISOString(),
        until: new Date(w.end).toISOString(),
        limit: PAGE_LIMIT,
        offset,
        total: offset === 0 ? 'true' : undefined,
        time_zone: 'UTC',
        sort_by: 'created_at:asc',
      })

    while (queue.length > 0) {
      const w = queue.shift()!
      let offset = 0
      let split = false
      for (;;) {
        const page = await fetchPage(w, offset)
        // Too many for offsets to reach: read each half instead (this page is read again there).
        if (offset === 0 && typeof page.total === 'number' && page.total > MAX_OFFSET_PLUS_LIMIT) {
          queue.unshift(...splitOrFail(w))
          split = true
          break
        }
        const openHere = page.incidents.filter((i) => i.status !== 'resolved').map((i) => Date.parse(i.created_at))
        if (openHere.length > 0) oldestOpen = Math.min(oldestOpen ?? Infinity, ...openHere)
        await ctx.commit(page.incidents.map((i) => incidentFromPagerDuty(i, config)))
        offset += page.incidents.length
        if (!page.more || page.incidents.length === 0) break
        if (offset + PAGE_LIMIT > MAX_OFFSET_PLUS_LIMIT) {
          // No total was given and the cap is reached: read the rest of the window in halves.
          const last = Date.parse(page.incidents.at(-1)!.created_at)
          const rest = last > w.start && last < w.end ? { start: last, end: w.end } : w
          queue.unshift(...splitOrFail(rest))
          split = true
          break
        }
      }
      if (split) continue
      done++
      cursor = { until: new Date(w.end).toISOString(), oldestOpen: oldestOpen === null ? null : new Date(oldestOpen).toISOString() }
      await ctx.commit([], { cursor })
      ctx.progress(done, done + queue.length)
    }
    return cursor
  })
}

function splitOrFail(w: Window): [Window, Window] {
  const halves = halve(w)
  if (!halves) throw new Error(`PagerDuty: more than ${MAX_OFFSET_PLUS_LIMIT} incidents created in ${new Date(w.start).toISOString()}…${new Date(w.end).toISOString()}; they cannot be paged`)
  return halves
}
