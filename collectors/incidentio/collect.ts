import type { Kysely } from 'kysely'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { createJsonClient } from '../shared/http-client.ts'
import { type IncidentCollectOptions, type IncidentCollectReport, runIncidentCollect } from '../shared/incident-common.ts'
import { type IoIncident, SOURCE, incidentFromIncidentIo, isCounted, severityByRank } from './mappers.ts'

/** incident.io's largest `page_size`. */
export const PAGE_SIZE = 250

/**
 * Where a run is: incidents matching `filter` (`created_at[gte]` on a backfill, `updated_at[gte]`
 * afterwards, a date) were read up to `after` (null: from the start); `next` is the filter date of
 * the run after this one.
 */
export interface IncidentIoCursor {
  filter: 'created_at' | 'updated_at'
  from: string
  after: string | null
  next: string
}

interface ListResult {
  incidents: IoIncident[]
  pagination_meta?: { after?: string; page_size: number; total_record_count?: number }
}

const day = (d: Date) => d.toISOString().slice(0, 10)

/**
 * Collects incident.io incidents (`GET /v2/incidents`, 250 a page, `after` paging). Severity by
 * the configured name map, else by rank among the organisation's severities (`GET
 * /v1/severities`; highest rank → sev1). Declined, canceled, merged and test incidents are not
 * counted: skipped, and deleted when stored before. The first run reads incidents created in the
 * last 12 months (or since `since`), later ones those updated since the previous run's day.
 */
export async function collectIncidentIo(db: Kysely<Database>, config: AppConfig, options: IncidentCollectOptions = {}): Promise<IncidentCollectReport> {
  const io = config.sources.incidentio
  if (!io?.token) throw new Error('sources.incidentio is not configured (baseUrl and token)')
  const client = createJsonClient({
    vendor: 'incident.io',
    baseUrl: io.baseUrl,
    headers: { Authorization: `Bearer ${io.token}` },
    sleep: options.sleep,
    maxAttempts: options.maxAttempts,
    now: options.now,
  })

  return runIncidentCollect<IncidentIoCursor>(db, config, SOURCE, options, () => client.requests, async (ctx) => {
    const { severities } = await client.get<{ severities: { name: string; rank: number }[] }>('/v1/severities')
    const byRank = severityByRank(severities.map((s) => s.rank))
    const next = day(new Date(ctx.now.getTime() - 60 * 60_000))
    const resumed = ctx.cursor?.after ? ctx.cursor : null
    let cursor: IncidentIoCursor = resumed ?? (ctx.cursor ? { filter: 'updated_at', from: ctx.cursor.next, after: null, next } : { filter: 'created_at', from: day(ctx.since), after: null, next })
    cursor = { ...cursor, next }
    let pages = 0
    for (;;) {
      const page = await client.get<ListResult>('/v2/incidents', { page_size: PAGE_SIZE, after: cursor.after ?? undefined, [`${cursor.filter}[gte]`]: cursor.from })
      const counted = page.incidents.filter(isCounted)
      const removed = page.incidents.filter((i) => !isCounted(i)).map((i) => i.id)
      const after = page.pagination_meta?.after
      const more = Boolean(after) && page.incidents.length > 0 && after !== cursor.after
      cursor = { ...cursor, after: more ? after! : null }
      await ctx.commit(
        counted.map((i) => incidentFromIncidentIo(i, config, byRank)),
        { remove: removed, cursor: more ? cursor : { ...cursor, after: null } },
      )
      ctx.progress(++pages, more ? pages + 1 : pages)
      if (!more) break
    }
    return cursor
  })
}
