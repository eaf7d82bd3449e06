import type { Kysely } from 'kysely'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { createJsonClient } from '../shared/http-client.ts'
import { type IncidentCollectOptions, type IncidentCollectReport, runIncidentCollect, toDate } from '../shared/incident-common.ts'
import { type OgIncident, SOURCE, incidentFromOpsgenie, isResolved, resolvedAtFromLogs } from './mappers.ts'

/** Opsgenie's largest `limit`. */
export const PAGE_LIMIT = 100

/** Incidents created before `until` were read; `oldestOpen` is the creation of the oldest one still open then. */
export interface OpsgenieCursor {
  until: string
  oldestOpen: string | null
}

interface ListResult {
  data: OgIncident[]
  totalCount?: number
  paging?: { next?: string }
}

const OVERLAP_MS = 60 * 60_000

/**
 * Collects Opsgenie incidents (legacy: Opsgenie support ends 2027-04-05) from `GET /v1/incidents`,
 * 100 a page by offset, created since the backfill start or since the previous run (or its
 * oldest open incident). A resolved incident's time comes from its log, read once.
 */
export async function collectOpsgenie(db: Kysely<Database>, config: AppConfig, options: IncidentCollectOptions = {}): Promise<IncidentCollectReport> {
  const og = config.sources.opsgenie
  if (!og?.token) throw new Error('sources.opsgenie is not configured (baseUrl and token)')
  const client = createJsonClient({ vendor: 'Opsgenie', baseUrl: og.baseUrl, headers: { Authorization: `GenieKey ${og.token}` }, sleep: options.sleep, maxAttempts: options.maxAttempts, now: options.now })

  return runIncidentCollect<OpsgenieCursor>(db, config, SOURCE, options, () => client.requests, async (ctx) => {
    const from = ctx.cursor
      ? Math.min(Date.parse(ctx.cursor.until) - OVERLAP_MS, ctx.cursor.oldestOpen ? Date.parse(ctx.cursor.oldestOpen) : Infinity)
      : ctx.since.getTime()
    let oldestOpen: number | null = null
    let offset = 0
    for (let pages = 1; ; pages++) {
      const page = await client.get<ListResult>('/v1/incidents', { query: `createdAt>=${from}`, offset, limit: PAGE_LIMIT, sort: 'createdAt', order: 'asc' })
      const known = await ctx.storedResolvedAt(page.data.filter(isResolved).map((i) => i.id))
      const rows = []
      for (const i of page.data) {
        if (!isResolved(i)) oldestOpen = Math.min(oldestOpen ?? Infinity, Date.parse(i.createdAt))
        let resolvedAt: Date | null = null
        if (isResolved(i)) {
          resolvedAt = known.get(i.id) ?? null
          if (!resolvedAt) {
            const logs = await client.get<{ data: { log: string; createdAt: string }[] }>(`/v1/incidents/${encodeURIComponent(i.id)}/logs`, { order: 'asc', limit: PAGE_LIMIT })
            resolvedAt = resolvedAtFromLogs(logs.data) ?? toDate(i.updatedAt)
          }
        }
        rows.push(incidentFromOpsgenie(i, config, resolvedAt))
      }
      await ctx.commit(rows)
      offset += page.data.length
      const more = page.data.length === PAGE_LIMIT || Boolean(page.paging?.next && page.data.length > 0)
      ctx.progress(pages, more ? pages + 1 : pages)
      if (!more) break
    }
    return { until: ctx.now.toISOString(), oldestOpen: oldestOpen === null ? null : new Date(oldestOpen).toISOString() }
  })
}
