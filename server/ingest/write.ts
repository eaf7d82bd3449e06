import type { Insertable, Kysely } from 'kysely'
import { serviceOfRepo } from '../../collectors/attribution/catalog.ts'
import { rootCauseKey, teamOfService } from '../../collectors/shared/incident-common.ts'
import { deriveIncidentSlis } from '../../collectors/incident-sli/derive.ts'
import { insertDeploymentStatuses, upsertDeployments } from '../../collectors/shared/store/deployments.ts'
import { upsertIncidents } from '../../collectors/shared/store/incidents.ts'
import { upsertSliSamples } from '../../collectors/shared/store/sli-samples.ts'
import { inTransaction } from '../../collectors/shared/transaction.ts'
import type { AppConfig } from '../config/app-config.ts'
import type { Database, DeploymentRefTable, DeploymentTable, IncidentTable } from '../db/schema.ts'
import { recordAudit } from '../repositories/audit.repository.ts'
import type { DeploymentItem, IncidentItem, IngestResult, SliItem } from '../routes/ingest.schema.ts'

/** Every ingested row carries this source. */
export const INGEST_SOURCE = 'api'
const DEFAULT_PRODUCTION = '^prod(uction)?$'

/** Who wrote, for the audit log. */
export interface IngestContext {
  actor: string
  requestId?: string | null
  ip?: string | null
  now: Date
}

const lower = (s: string) => s.toLowerCase()

async function repoIds(db: Kysely<Database>, repos: readonly (string | undefined)[]): Promise<Map<string, number>> {
  const names = [...new Set(repos.filter((r): r is string => typeof r === 'string').map(lower))]
  if (names.length === 0) return new Map()
  const rows = await db.selectFrom('repository').select(['id', 'full_name']).where((eb) => eb(eb.fn('lower', ['full_name']), 'in', names)).execute()
  return new Map(rows.map((r) => [lower(r.full_name), r.id]))
}

async function existingIds(db: Kysely<Database>, table: 'deployment' | 'incident', ids: readonly string[]): Promise<Set<string>> {
  const rows = await db.selectFrom(table).select('external_id').where('source', '=', INGEST_SOURCE).where('external_id', 'in', [...ids]).execute()
  return new Set(rows.map((r) => r.external_id))
}

/** Whether an environment counts as production (sources.github.production, case-insensitive). */
export function isProductionEnvironment(config: AppConfig, environment: string): boolean {
  return new RegExp(config.sources.github?.production ?? DEFAULT_PRODUCTION, 'i').test(environment)
}

/**
 * Makes each deployment's `deployment_ref` rows exactly the PRs and commits its item names
 * (none when it names none): attribution ships those changes by it (method `explicit`).
 */
async function replaceDeploymentRefs(db: Kysely<Database>, deployments: readonly { deploymentId: number; item: DeploymentItem }[]): Promise<void> {
  const ids = deployments.map((d) => d.deploymentId)
  for (let i = 0; i < ids.length; i += 10_000) await db.deleteFrom('deployment_ref').where('deployment_id', 'in', ids.slice(i, i + 10_000)).execute()
  const keyed = new Map<string, Insertable<DeploymentRefTable>>()
  for (const { deploymentId, item } of deployments) {
    const refs: Insertable<DeploymentRefTable>[] = [
      ...(item.pull_requests ?? []).map((n) => ({ deployment_id: deploymentId, kind: 'pull_request' as const, value: String(n) })),
      ...(item.commits ?? []).map((c) => ({ deployment_id: deploymentId, kind: 'commit' as const, value: c.toLowerCase() })),
    ]
    for (const r of refs) keyed.set(`${r.deployment_id}\u0000${r.kind}\u0000${r.value}`, r)
  }
  const rows = [...keyed.values()]
  // Three parameters a row: stay well under PostgreSQL's 65,535 bound parameters per statement.
  for (let i = 0; i < rows.length; i += 10_000) await db.insertInto('deployment_ref').values(rows.slice(i, i + 10_000)).execute()
}

/**
 * Stores a validated batch of deployments (source `api`) with a status row each, the PRs and
 * commits each names (`deployment_ref`, replaced on re-ingest), and one audit entry, in one
 * transaction. A deployment already stored keeps its first outcome and finish time (as for
 * every source); other fields are updated. Returns the counts and the services touched (for
 * attribution).
 */
export async function ingestDeployments(db: Kysely<Database>, config: AppConfig, items: readonly DeploymentItem[], ctx: IngestContext): Promise<IngestResult & { services: string[] }> {
  const serviceMap = config.sources.github?.services ?? {}
  return inTransaction(db, async (trx) => {
    const repos = await repoIds(trx, items.map((i) => i.repo))
    const before = await existingIds(trx, 'deployment', items.map((i) => i.id))
    const rows: Insertable<DeploymentTable>[] = items.map((i) => ({
      source: INGEST_SOURCE,
      external_id: i.id,
      repo_id: i.repo ? (repos.get(lower(i.repo)) ?? null) : null,
      service: i.service?.trim() ?? serviceOfRepo(i.repo!, serviceMap),
      environment: i.environment.trim(),
      is_production: isProductionEnvironment(config, i.environment.trim()),
      sha: i.sha.toLowerCase(),
      ref: i.ref ?? null,
      status: i.status,
      created_at: i.started_at,
      started_at: i.started_at,
      finished_at: i.finished_at,
      creator: i.creator ?? null,
      url: i.url ?? null,
      collected_at: ctx.now,
    }))
    const ids = await upsertDeployments(trx, rows)
    await replaceDeploymentRefs(trx, items.map((i) => ({ deploymentId: ids.get(i.id)!, item: i })))
    await insertDeploymentStatuses(
      trx,
      items.map((i) => ({ deployment_id: ids.get(i.id)!, external_id: `api:${i.status}`, state: i.status, created_at: i.finished_at, description: 'reported to POST /api/deployments', log_url: i.url ?? null })),
    )
    const result = { received: items.length, inserted: items.length - before.size, updated: before.size }
    await recordAudit(trx, {
      actor: ctx.actor,
      action: 'deployments.ingest',
      targetType: 'deployment',
      targetId: items.length === 1 ? items[0]!.id : null,
      before: null,
      after: { ...result, items: items.map((i) => ({ id: i.id, status: i.status, sha: i.sha, ...(i.pull_requests && { pull_requests: i.pull_requests }), ...(i.commits && { commits: i.commits }) })) },
      requestId: ctx.requestId ?? null,
      ip: ctx.ip ?? null,
      at: ctx.now,
    })
    return { ...result, services: [...new Set(rows.map((r) => r.service))] }
  })
}

/**
 * Stores a validated batch of incidents (source `api`) and one audit entry, and recomputes the
 * incident-derived SLI over the hours each incident covered before and covers now — all in one
 * transaction. Returns the counts and the stored incident ids (for attribution).
 */
export async function ingestIncidents(db: Kysely<Database>, config: AppConfig, items: readonly IncidentItem[], ctx: IngestContext): Promise<IngestResult & { incidentIds: number[] }> {
  return inTransaction(db, async (trx) => {
    const repos = await repoIds(trx, items.map((i) => i.repo))
    const previous = await trx
      .selectFrom('incident')
      .select(['external_id', 'service', 'started_at', 'resolved_at'])
      .where('source', '=', INGEST_SOURCE)
      .where('external_id', 'in', items.map((i) => i.id))
      .execute()
    const rows: Insertable<IncidentTable>[] = items.map((i) => {
      const service = i.service.trim()
      return {
        source: INGEST_SOURCE,
        external_id: i.id,
        reference: null,
        repo_id: i.repo ? (repos.get(lower(i.repo)) ?? null) : null,
        service,
        team_id: i.team ?? teamOfService(service, config),
        severity: i.severity,
        title: i.title.trim(),
        status: i.status ?? (i.resolved_at ? 'resolved' : 'open'),
        started_at: i.started_at,
        acknowledged_at: i.acknowledged_at ?? null,
        resolved_at: i.resolved_at ?? null,
        is_security: i.is_security ?? false,
        root_cause_key: rootCauseKey({ explicit: i.root_cause_key ?? null, service, title: i.title }),
        customer_impact: i.customer_impact ?? null,
        labels: [],
        caused_by_sha: i.caused_by_sha?.toLowerCase() ?? null,
        caused_by_pr: i.caused_by_pr ?? null,
        caused_by_deployment: i.caused_by_deployment ?? null,
        url: i.url ?? null,
        updated_at: ctx.now,
        collected_at: ctx.now,
      }
    })
    const ids = await upsertIncidents(trx, rows)
    const result = { received: items.length, inserted: items.length - previous.length, updated: previous.length }
    await recordAudit(trx, {
      actor: ctx.actor,
      action: 'incidents.ingest',
      targetType: 'incident',
      targetId: items.length === 1 ? items[0]!.id : null,
      before: null,
      after: { ...result, items: items.map((i) => ({ id: i.id, service: i.service, severity: i.severity, started_at: i.started_at, resolved_at: i.resolved_at ?? null })) },
      requestId: ctx.requestId ?? null,
      ip: ctx.ip ?? null,
      at: ctx.now,
    })
    // The hours an incident covered before this write and covers now, per service.
    const spans = new Map<string, { from: number; to: number }>()
    const cover = (service: string | null, start: Date | string, end: Date | string | null | undefined) => {
      if (!service) return
      const from = new Date(start).getTime()
      const to = end ? new Date(end).getTime() : ctx.now.getTime()
      const s = spans.get(service)
      spans.set(service, { from: Math.min(s?.from ?? from, from), to: Math.max(s?.to ?? to, to) })
    }
    for (const p of previous) cover(p.service, p.started_at, p.resolved_at)
    for (const r of rows) cover(r.service ?? null, r.started_at, r.resolved_at)
    for (const [service, s] of spans) await deriveIncidentSlis(trx, { services: [service], from: new Date(s.from), to: new Date(s.to), now: ctx.now })
    return { ...result, incidentIds: [...ids.values()] }
  })
}

/** Stores a validated batch of SLI samples (source `api`, keyed by slo_id and interval_start) and one audit entry, in one transaction. */
export async function ingestSlis(db: Kysely<Database>, items: readonly SliItem[], ctx: IngestContext): Promise<IngestResult> {
  return inTransaction(db, async (trx) => {
    const starts = items.map((i) => new Date(i.interval_start))
    const stored = await trx
      .selectFrom('sli_sample')
      .select(['slo_id', 'interval_start'])
      .where('source', '=', INGEST_SOURCE)
      .where('slo_id', 'in', [...new Set(items.map((i) => i.slo_id))])
      .where('interval_start', 'in', starts)
      .execute()
    const key = (slo: string, at: Date) => `${slo}\u0000${at.getTime()}`
    const known = new Set(stored.map((r) => key(r.slo_id, r.interval_start)))
    const updated = items.filter((i, n) => known.has(key(i.slo_id, starts[n]!))).length
    await upsertSliSamples(
      trx,
      items.map((i, n) => ({ source: INGEST_SOURCE, slo_id: i.slo_id, service: i.service ?? null, interval_start: starts[n]!, interval_end: new Date(i.interval_end), good: i.good, total: i.total, collected_at: ctx.now })),
    )
    const result = { received: items.length, inserted: items.length - updated, updated }
    await recordAudit(trx, {
      actor: ctx.actor,
      action: 'slis.ingest',
      targetType: 'sli_sample',
      targetId: null,
      before: null,
      after: { ...result, slos: [...new Set(items.map((i) => i.slo_id))], from: new Date(Math.min(...starts.map((d) => d.getTime()))).toISOString() },
      requestId: ctx.requestId ?? null,
      ip: ctx.ip ?? null,
      at: ctx.now,
    })
    return result
  })
}
