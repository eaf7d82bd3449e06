/**
 * What the incident-tool collectors (PagerDuty, incident.io, Opsgenie) share: the root-cause
 * key rule, service → team, the incident upsert, and the run around a collect (lease, sync
 * state, cursor saved with the rows, attribution afterwards). Kept in pagerduty/ only because
 * collectors/shared/ is owned elsewhere; incidentio/ and opsgenie/ import it.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { type Insertable, type Kysely, sql } from 'kysely'
import type { AppConfig, TeamConfig } from '../../server/config/app-config.ts'
import type { Database, IncidentTable, Severity } from '../../server/db/schema.ts'
import { LeaseKeeper } from './lease-lock.ts'
import type { ProgressListener } from './progress.ts'
import { SOURCE_KEY, idsByExternalId, upsertRows } from './store/upsert.ts'
import { loadSyncCursor, saveSyncCursor } from './sync-cursor.ts'
import { markSyncFailed, markSyncStarted, markSyncSucceeded } from './sync-state.ts'
import { inTransaction } from './transaction.ts'
import type { Sleep } from './http-client.ts'

export type IncidentRow = Insertable<IncidentTable>
export type IncidentSource = 'pagerduty' | 'incidentio' | 'opsgenie'

/** The sync_state scope every incident collector works under (one lease per source). */
export const INCIDENTS_SCOPE = 'incidents'

export const SEVERITIES: readonly Severity[] = ['sev1', 'sev2', 'sev3', 'sev4', 'sev5']

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g
const HEX_ID = /\b(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)[0-9a-f]{6,})\b/g

/** A title reduced to what recurs: lower-case, UUIDs, hex ids and numbers stripped, words single-spaced. */
export function normaliseTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(UUID, ' ')
    .replace(HEX_ID, ' ')
    .replace(/\d+/g, ' ')
    .replace(/[^\p{L}]+/gu, ' ')
    .trim()
}

/** DESIGN §4: the explicit root cause, else the alert's dedup key, else `service:normalised title`. */
export function rootCauseKey(parts: { explicit?: string | null; dedupKey?: string | null; service: string | null; title: string }): string | null {
  const explicit = parts.explicit?.trim()
  if (explicit) return explicit
  const dedup = parts.dedupKey?.trim()
  if (dedup) return dedup
  const title = normaliseTitle(parts.title)
  return title ? `${parts.service ?? '-'}:${title}` : null
}

/**
 * The configured team owning a Meridian service: the first team listing it under `services`,
 * else the first listing a repository (owner/name, no wildcard) whose service it is.
 */
export function teamOfService(service: string | null, config: Pick<AppConfig, 'teams' | 'sources'>): string | null {
  if (!service) return null
  const listed = config.teams.find((t) => t.services.includes(service))
  if (listed) return listed.id
  const repoServices = config.sources.github?.services ?? {}
  const owns = (t: TeamConfig) => t.repos.some((r) => !r.includes('*') && (repoServices[r] ?? r.slice(r.indexOf('/') + 1)) === service)
  return config.teams.find(owns)?.id ?? null
}

/** A key of a configured `severity` map: exact first, then case-insensitively. */
export function lookupSeverity(map: Readonly<Record<string, string>>, key: string | null | undefined): Severity | null {
  if (!key) return null
  const exact = map[key]
  if (exact) return exact as Severity
  const lower = key.toLowerCase()
  const found = Object.entries(map).find(([k]) => k.toLowerCase() === lower)
  return found ? (found[1] as Severity) : null
}

export const toDate = (iso: string | null | undefined): Date | null => {
  if (!iso) return null
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? null : d
}

/**
 * Upserts incidents on (source, external_id); returns external_id → id. The first known
 * acknowledgement wins (a later, partial answer with no acknowledgement keeps the stored one).
 */
export async function storeIncidents(db: Kysely<Database>, rows: readonly IncidentRow[]): Promise<Map<string, number>> {
  const written = await upsertRows(
    db,
    {
      table: 'incident',
      key: SOURCE_KEY,
      set: (eb) => ({ acknowledged_at: sql`least(incident.acknowledged_at, ${eb.ref('excluded.acknowledged_at')})` }),
    },
    rows,
    ['id', 'external_id'],
  )
  return idsByExternalId(written)
}

/** Deletes a source's incidents by external id (e.g. incident.io incidents later declined); returns how many. */
export async function removeIncidents(db: Kysely<Database>, source: IncidentSource, externalIds: readonly string[]): Promise<number> {
  if (externalIds.length === 0) return 0
  const res = await db.deleteFrom('incident').where('source', '=', source).where('external_id', 'in', [...externalIds]).executeTakeFirst()
  return Number(res.numDeletedRows ?? 0)
}

/** Options every incident collector takes. */
export interface IncidentCollectOptions {
  /** Backfill start when never collected, or with `full` (default: 12 months before now). */
  since?: Date
  /** Ignore the stored cursor: read everything since `since` again. */
  full?: boolean
  now?: () => Date
  onProgress?: ProgressListener
  /** Waits between retries (tests: a no-op). */
  sleep?: Sleep
  /** Attempts per request (default 6). */
  maxAttempts?: number
  /** Who holds the lease (default host:pid:random). */
  holder?: string
  /** Lease time to live in seconds, renewed every third of it (default 120). */
  leaseSeconds?: number
  /** Attribute the stored incidents to deployments afterwards (default true). */
  attribution?: boolean
}

/** What a collect did. */
export interface IncidentCollectReport {
  /** HTTP requests made, retries included. */
  requests: number
  /** Incident rows written (inserted or updated). */
  rows: number
  /** Stored incidents removed because the vendor no longer counts them (incident.io). */
  removed: number
  errors: { scope: string; message: string }[]
  skipped: { scope: string; reason: string }[]
  /** What attribution did, or null when it did not run. */
  attribution: { incidents: number; error?: string } | null
}

const MONTHS_BACK = 12

export function defaultSince(now: Date): Date {
  const d = new Date(now)
  d.setUTCMonth(d.getUTCMonth() - MONTHS_BACK)
  return d
}

class LeaseLostError extends Error {}

/** What a collector's work sees while it runs. */
export interface RunContext<C> {
  now: Date
  since: Date
  /** The stored cursor (undefined on the first run or with `full`). */
  cursor: C | undefined
  /** Writes rows (and removals) and, when given, the cursor, in one transaction. */
  commit(rows: readonly IncidentRow[], extra?: { remove?: readonly string[]; cursor?: C }): Promise<void>
  /** External ids already stored with their resolved time (Opsgenie reads resolution only once). */
  storedResolvedAt(externalIds: readonly string[]): Promise<Map<string, Date | null>>
  progress(done: number, total: number): void
}

/**
 * Runs one collect of `source`: takes the lease (a collect already running elsewhere → skipped),
 * records the start, runs `work`, which commits pages with their cursor, then records success
 * with the final cursor, or the failure; finally attributes the incidents written.
 */
export async function runIncidentCollect<C>(
  db: Kysely<Database>,
  config: AppConfig,
  source: IncidentSource,
  options: IncidentCollectOptions,
  requests: () => number,
  work: (ctx: RunContext<C>) => Promise<C>,
): Promise<IncidentCollectReport> {
  const now = (options.now ?? (() => new Date()))()
  const report: IncidentCollectReport = { requests: 0, rows: 0, removed: 0, errors: [], skipped: [], attribution: null }
  const keeper = new LeaseKeeper(db, source, options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, options.leaseSeconds ?? 120)
  const conflict = await keeper.acquire(INCIDENTS_SCOPE)
  if (conflict) {
    report.skipped.push({ scope: INCIDENTS_SCOPE, reason: `being collected by ${conflict.holder} (lease until ${conflict.expiresAt.toISOString()})` })
    return report
  }
  const incidentIds = new Set<number>()
  try {
    await markSyncStarted(db, source, INCIDENTS_SCOPE, now)
    const cursor = options.full ? undefined : await loadSyncCursor<C>(db, source, INCIDENTS_SCOPE)
    const ctx: RunContext<C> = {
      now,
      since: options.since ?? defaultSince(now),
      cursor,
      async commit(rows, extra = {}) {
        if (keeper.isLost(INCIDENTS_SCOPE)) throw new LeaseLostError(`lost the ${source} lease to another collect`)
        await inTransaction(db, async (trx) => {
          const ids = await storeIncidents(trx, rows)
          report.removed += await removeIncidents(trx, source, extra.remove ?? [])
          if (extra.cursor !== undefined) await saveSyncCursor(trx, source, INCIDENTS_SCOPE, extra.cursor)
          for (const id of ids.values()) incidentIds.add(id)
          report.rows += ids.size
        })
      },
      async storedResolvedAt(externalIds) {
        if (externalIds.length === 0) return new Map()
        const found = await db.selectFrom('incident').select(['external_id', 'resolved_at']).where('source', '=', source).where('external_id', 'in', [...externalIds]).execute()
        return new Map(found.map((r) => [r.external_id, r.resolved_at]))
      },
      progress(done, total) {
        options.onProgress?.({ repo: source, resource: 'incidents', rows: report.rows, done, total, etaSeconds: null })
      },
    }
    const finalCursor = await work(ctx)
    report.requests = requests()
    await markSyncSucceeded(db, source, INCIDENTS_SCOPE, { cursor: finalCursor, rowsWritten: report.rows, requestCount: report.requests, at: now })
  } catch (err) {
    report.requests = requests()
    const message = err instanceof Error ? err.message : String(err)
    report.errors.push({ scope: INCIDENTS_SCOPE, message })
    await markSyncFailed(db, source, INCIDENTS_SCOPE, message, now)
  } finally {
    await keeper.releaseAll()
  }
  if (options.attribution !== false && incidentIds.size > 0) report.attribution = await attribute(db, config, [...incidentIds], now)
  return report
}

/** Links the given incidents to the deployments that caused them (collectors/attribution). */
export async function attribute(db: Kysely<Database>, config: AppConfig, incidentIds: readonly number[], now: Date): Promise<{ incidents: number; error?: string }> {
  try {
    const { attributeIncidents } = await import('../attribution/index.ts')
    const result = await attributeIncidents(db, config, { incidentIds, now })
    return { incidents: result.incidents }
  } catch (err) {
    return { incidents: 0, error: `attribution: ${(err as Error).message}` }
  }
}
