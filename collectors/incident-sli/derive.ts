import type { Kysely } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { loadSyncCursor, saveSyncCursor } from '../shared/sync-cursor.ts'
import { upsertSliSamples } from '../shared/store/sli-samples.ts'
import { inTransaction } from '../shared/transaction.ts'
import { HOUR_MS, badMinuteIntervals, hourlyAvailability } from './availability.ts'

export const SOURCE = 'incidents'
/** The slo_id of a service's incident-derived availability SLI. */
export const incidentSloId = (service: string) => `${service}-incident-availability`
const SEVERITIES = ['sev1', 'sev2'] as const

export interface DeriveOptions {
  /** Only these services (default: every service named by an incident or a team). */
  services?: readonly string[]
  /** Hours overlapping [from, to) are recomputed (widened to whole hours, cut at the last complete hour). */
  from: Date
  to: Date
  /** Services never derived, besides those with Prometheus SLI samples (e.g. the services of Prometheus SLOs). */
  exclude?: readonly string[]
  /** The current time: unresolved incidents are open until then; hours ending after it are not written. */
  now?: Date
}

export interface DeriveResult {
  services: string[]
  /** Hourly samples written. */
  samples: number
}

/**
 * Derives the incident availability SLI (sli_sample source `incidents`, slo_id
 * `<service>-incident-availability`) for services with no Prometheus SLI: per hour, total = 60
 * minutes and good = the minutes during which no sev1–sev2 incident of the service was open.
 * Every complete hour in the range is rewritten, so calling it for the hours an incident change
 * touches (its old and its new span) keeps the SLI exact. Runs in the caller's transaction
 * when given one.
 */
export async function deriveIncidentSlis(db: Kysely<Database>, options: DeriveOptions): Promise<DeriveResult> {
  const now = options.now ?? new Date()
  const fromHour = Math.floor(options.from.getTime() / HOUR_MS) * HOUR_MS
  const toHour = Math.min(Math.ceil(options.to.getTime() / HOUR_MS) * HOUR_MS, Math.floor(now.getTime() / HOUR_MS) * HOUR_MS)
  if (toHour <= fromHour) return { services: [], samples: 0 }
  return inTransaction(db, async (trx) => {
    let services = options.services ? [...new Set(options.services)] : await knownServices(trx)
    const excluded = new Set([...(options.exclude ?? []), ...(await prometheusServices(trx, services))])
    services = services.filter((s) => s && !excluded.has(s)).sort()
    if (services.length === 0) return { services: [], samples: 0 }
    const rows = await trx
      .selectFrom('incident')
      .select(['service', 'started_at', 'resolved_at'])
      .where('service', 'in', services)
      .where('severity', 'in', [...SEVERITIES])
      .where('started_at', '<', new Date(toHour))
      .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>', new Date(fromHour))]))
      .execute()
    let samples = 0
    for (const service of services) {
      const spans = rows.filter((r) => r.service === service).map((r) => ({ startedAt: r.started_at, resolvedAt: r.resolved_at }))
      const hours = hourlyAvailability(badMinuteIntervals(spans, now), fromHour, toHour)
      samples += await upsertSliSamples(
        trx,
        hours.map((h) => ({ source: SOURCE, slo_id: incidentSloId(service), service, interval_start: h.intervalStart, interval_end: h.intervalEnd, good: h.good, total: h.total })),
      )
    }
    return { services, samples }
  })
}

async function knownServices(db: Kysely<Database>): Promise<string[]> {
  const fromIncidents = await db.selectFrom('incident').select('service').distinct().where('service', 'is not', null).execute()
  const fromTeams = await db.selectFrom('team_service').select('service').distinct().execute()
  return [...new Set([...fromIncidents.map((r) => r.service!), ...fromTeams.map((r) => r.service)])]
}

async function prometheusServices(db: Kysely<Database>, services: readonly string[]): Promise<string[]> {
  if (services.length === 0) return []
  const rows = await db.selectFrom('sli_sample').select('service').distinct().where('source', '=', 'prometheus').where('service', 'in', [...services]).execute()
  return rows.map((r) => r.service!).filter(Boolean)
}

/**
 * The periodic run: derives every service's hours from the last run's end (sync_state
 * `incidents`/`sli`, one hour overlap) — or `backfillDays` ago (default 28) — to the last
 * complete hour. Incident changes between runs call deriveIncidentSlis for their own hours.
 */
export async function syncIncidentSlis(db: Kysely<Database>, options: { now?: Date; backfillDays?: number; exclude?: readonly string[] } = {}): Promise<DeriveResult> {
  const now = options.now ?? new Date()
  const cursor = await loadSyncCursor<{ through: string }>(db, SOURCE, 'sli')
  const from = cursor ? new Date(Date.parse(cursor.through) - HOUR_MS) : new Date(now.getTime() - (options.backfillDays ?? 28) * 86_400_000)
  return inTransaction(db, async (trx) => {
    const result = await deriveIncidentSlis(trx, { from, to: now, now, ...(options.exclude && { exclude: options.exclude }) })
    await saveSyncCursor(trx, SOURCE, 'sli', { through: new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS).toISOString() })
    return result
  })
}
