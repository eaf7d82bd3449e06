import { createHash, randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Kysely } from 'kysely'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { loadSlos } from '../../server/slo/load-slos.ts'
import { type Slo, type SloProblem, windowStart } from '../../server/slo/openslo.ts'
import { LeaseKeeper } from '../shared/lease-lock.ts'
import type { ProgressListener } from '../shared/progress.ts'
import { loadSyncCursor, saveSyncCursor } from '../shared/sync-cursor.ts'
import { markSyncFailed, markSyncStarted, markSyncSucceeded } from '../shared/sync-state.ts'
import { upsertSliSamples } from '../shared/store/sli-samples.ts'
import { inTransaction } from '../shared/transaction.ts'
import { PrometheusClient, PrometheusError } from './client.ts'
import { HOUR_SECONDS, MAX_POINTS_PER_SERIES, halve, hourlyCountQuery, hourlyCounts, planRanges, sumByTimestamp } from './queries.ts'

export const SOURCE = 'prometheus'
export const DEFAULT_SLO_DIR = fileURLToPath(new URL('../../kpi-definitions/slos/', import.meta.url))
const HOUR_MS = HOUR_SECONDS * 1000

/** Where an SLO's collection stands: the end (exclusive) of the last hour stored, and what was asked. */
export interface PrometheusCursor {
  through: string
  /** Hash of the PromQL; when the SLO's queries change, the window is read again. */
  queryHash: string
}

export interface CollectPrometheusOptions {
  /** The current time (tests). */
  now?: () => Date
  onProgress?: ProgressListener
  /** The OpenSLO directory (default kpi-definitions/slos). */
  sloDir?: string
  /** Backfill from here when earlier than the SLO window's start. */
  since?: Date
  /** Ignore stored cursors: read the whole window (or from `since`) again. */
  full?: boolean
  /** Hours re-read before the cursor on each incremental run (late scrapes; default 1). */
  overlapHours?: number
  /** Minutes after an hour ends before it is read (default 5). */
  lagMinutes?: number
  /** Points per series asked for in one request (default 11,000, Prometheus's limit); split further on a "too many points" answer. */
  maxPoints?: number
  /** A prebuilt client (tests: one with no waits). */
  client?: PrometheusClient
  /** Who holds the leases (default host:pid:random). */
  holder?: string
}

export interface SloReport {
  id: string
  service: string
  /** Hourly samples stored in this run. */
  samples: number
  /** The hours read: [from, to). */
  from: string | null
  to: string | null
  error?: string
}

export interface PrometheusReport {
  requests: number
  slos: SloReport[]
  /** SLOs not collected from Prometheus, and why (another metric source, lease held elsewhere, no configuration). */
  skipped: { id: string; reason: string }[]
  /** Problems in the OpenSLO files (those SLOs are not collected). */
  problems: SloProblem[]
}

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS
const isPrometheus = (s: Slo) => [s.indicator.good, s.indicator.bad, s.indicator.total].every((m) => m === null || m.type.toLowerCase() === 'prometheus')

function queriesOf(slo: Slo): { goodOrBad: string; total: string; hash: string } {
  const i = slo.indicator
  const goodOrBad = hourlyCountQuery((i.good ?? i.bad)!, i.counter)
  const total = hourlyCountQuery(i.total, i.counter)
  const hash = createHash('sha256').update(`${i.good ? 'good' : 'bad'}\n${goodOrBad}\n${total}`).digest('hex').slice(0, 16)
  return { goodOrBad, total, hash }
}

/**
 * Collects hourly good/total counts (sli_sample, source `prometheus`) for every OpenSLO SLO in
 * the SLO directory whose ratio indicator reads Prometheus: `query_range` of
 * `sum(increase(<query>[1h]))` at step 1 h for the good (or bad: good = total − bad) and total
 * queries. The first run backfills the SLO window (rolling: now − duration; calendar: the
 * current period's start), later runs read from the cursor (sync_state scope `slo:<id>`, one
 * hour overlap) to the last complete hour. Ranges over 11,000 points are split. Each range's
 * rows and the cursor commit together; a failing SLO is recorded on its sync state and the
 * others still run.
 */
export async function collectPrometheus(db: Kysely<Database>, config: AppConfig, options: CollectPrometheusOptions = {}): Promise<PrometheusReport> {
  const now = options.now ?? (() => new Date())
  const { slos, problems } = loadSlos(options.sloDir ?? DEFAULT_SLO_DIR)
  const report: PrometheusReport = { requests: 0, slos: [], skipped: [], problems }
  const prom = config.sources.prometheus
  if (!prom?.url && !options.client) {
    report.skipped.push(...slos.map((s) => ({ id: s.id, reason: 'sources.prometheus.url is not configured' })))
    return report
  }
  const client = options.client ?? new PrometheusClient({ url: prom!.url, headers: prom!.headers })
  const requestsBefore = client.requests
  const leases = new LeaseKeeper(db, SOURCE, options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`)
  const targets = slos.filter((s) => {
    if (isPrometheus(s)) return true
    report.skipped.push({ id: s.id, reason: `its indicator reads ${s.indicator.total.type}, not Prometheus` })
    return false
  })
  const started = Date.now()
  try {
    for (const [index, slo] of targets.entries()) {
      const scope = `slo:${slo.id}`
      const conflict = await leases.acquire(scope)
      if (conflict) {
        report.skipped.push({ id: slo.id, reason: `collected by ${conflict.holder} until ${conflict.expiresAt.toISOString()}` })
        continue
      }
      const entry: SloReport = { id: slo.id, service: slo.service, samples: 0, from: null, to: null }
      report.slos.push(entry)
      const progress = () => {
        const elapsed = (Date.now() - started) / 1000
        options.onProgress?.({ repo: slo.id, resource: 'sli_samples', rows: entry.samples, done: index, total: targets.length, etaSeconds: index === 0 ? null : (elapsed / index) * (targets.length - index) })
      }
      const requestsAtStart = client.requests
      try {
        await markSyncStarted(db, SOURCE, scope, now())
        progress()
        await collectSlo(db, client, slo, scope, entry, options, now(), progress)
        await markSyncSucceeded(db, SOURCE, scope, { cursor: await loadSyncCursor(db, SOURCE, scope), rowsWritten: entry.samples, requestCount: client.requests - requestsAtStart, at: now() })
      } catch (err) {
        entry.error = (err as Error).message
        await markSyncFailed(db, SOURCE, scope, entry.error, now())
      } finally {
        await leases.release(scope)
      }
    }
    options.onProgress?.({ repo: 'prometheus', resource: 'sli_samples', rows: report.slos.reduce((n, s) => n + s.samples, 0), done: targets.length, total: targets.length, etaSeconds: 0 })
  } finally {
    await leases.releaseAll()
  }
  report.requests = client.requests - requestsBefore
  return report
}

async function collectSlo(
  db: Kysely<Database>,
  client: PrometheusClient,
  slo: Slo,
  scope: string,
  entry: SloReport,
  options: CollectPrometheusOptions,
  now: Date,
  progress: () => void,
): Promise<void> {
  const queries = queriesOf(slo)
  const through = floorHour(now.getTime() - (options.lagMinutes ?? 5) * 60_000)
  let windowFrom = floorHour(windowStart(slo.timeWindow, now).getTime())
  if (options.since && options.since.getTime() < windowFrom) windowFrom = floorHour(options.since.getTime())
  const cursor = options.full ? undefined : await loadSyncCursor<PrometheusCursor>(db, SOURCE, scope)
  let from = windowFrom
  if (cursor && cursor.queryHash === queries.hash) {
    const resume = Date.parse(cursor.through) - (options.overlapHours ?? 1) * HOUR_MS
    if (Number.isFinite(resume) && resume > windowFrom) from = resume
  }
  if (from >= through) return
  entry.from = new Date(from).toISOString()
  entry.to = new Date(through).toISOString()
  // The sample at T covers [T − 1 h, T): evaluate at the end of every hour in [from, through).
  const pending = planRanges(from / 1000 + HOUR_SECONDS, through / 1000, options.maxPoints ?? MAX_POINTS_PER_SERIES)
  while (pending.length > 0) {
    const range = pending.shift()!
    let answers
    try {
      answers = await Promise.all([
        client.queryRange(queries.goodOrBad, range.start, range.end, HOUR_SECONDS),
        client.queryRange(queries.total, range.start, range.end, HOUR_SECONDS),
      ])
    } catch (err) {
      const halves = err instanceof PrometheusError && err.rangeTooLarge ? halve(range) : null
      if (!halves) throw err
      pending.unshift(...halves)
      continue
    }
    const counts = hourlyCounts(slo.indicator, sumByTimestamp(answers[0]), sumByTimestamp(answers[1])).filter(
      (c) => c.intervalStart.getTime() >= (range.start - HOUR_SECONDS) * 1000 && c.intervalEnd.getTime() <= range.end * 1000,
    )
    await inTransaction(db, async (trx) => {
      await upsertSliSamples(
        trx,
        counts.map((c) => ({ source: SOURCE, slo_id: slo.id, service: slo.service, interval_start: c.intervalStart, interval_end: c.intervalEnd, good: c.good, total: c.total })),
      )
      await saveSyncCursor(trx, SOURCE, scope, { through: new Date(range.end * 1000).toISOString(), queryHash: queries.hash } satisfies PrometheusCursor)
    })
    entry.samples += counts.length
    progress()
  }
}
