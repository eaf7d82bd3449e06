import type { Kysely } from 'kysely'
import type { Database, FailureReason } from '../../server/db/schema.ts'
import { upsertDeploymentChanges, upsertDeploymentFailures, upsertIncidentDeployments } from '../shared/store/links.ts'
import { chunks } from './load.ts'
import type { ReworkFlags } from './rework.ts'
import type { FailureLink, IncidentLink, ShippingLink } from './types.ts'

/** Rows added or changed, and rows deleted, by one sync. */
export interface WriteCounts {
  written: number
  deleted: number
}

/**
 * Makes the `deployment_change` rows of the given repositories' pull requests exactly `links`:
 * new and changed links are upserted (re-stamped at `now`), unchanged ones are left alone
 * (`linked_at` included), and links that no longer hold are deleted. Every method (`sha`,
 * `time`, `explicit`) is owned alike: a PR whose link changed method is re-stamped, and one no
 * longer linked by any method (say, its naming deployment's refs were replaced) is deleted.
 */
export async function syncDeploymentChanges(db: Kysely<Database>, repoIds: readonly number[], links: readonly ShippingLink[], now: Date): Promise<WriteCounts> {
  if (repoIds.length === 0) return { written: 0, deleted: 0 }
  const existing = await db
    .selectFrom('deployment_change as dc')
    .innerJoin('pull_request as pr', 'pr.id', 'dc.pull_request_id')
    .select(['dc.pull_request_id', 'dc.deployment_id', 'dc.method'])
    .where('pr.repo_id', 'in', repoIds)
    .execute()
  const stored = new Map(existing.map((r) => [r.pull_request_id, r]))
  const wanted = new Set(links.map((l) => l.pullRequestId))
  const changed = links.filter((l) => {
    const s = stored.get(l.pullRequestId)
    return !s || s.deployment_id !== l.deploymentId || s.method !== l.method
  })
  const stale = existing.filter((r) => !wanted.has(r.pull_request_id)).map((r) => r.pull_request_id)
  await upsertDeploymentChanges(db, changed.map((l) => ({ pull_request_id: l.pullRequestId, deployment_id: l.deploymentId, method: l.method, linked_at: now })))
  for (const ids of chunks(stale)) await db.deleteFrom('deployment_change').where('pull_request_id', 'in', ids).execute()
  return { written: changed.length, deleted: stale.length }
}

/** Same as syncDeploymentChanges for the `incident_deployment` rows of the given incidents. */
export async function syncIncidentDeployments(db: Kysely<Database>, incidentIds: readonly number[], links: readonly IncidentLink[], now: Date): Promise<WriteCounts> {
  const existing: { incident_id: number; deployment_id: number; method: string }[] = []
  for (const ids of chunks(incidentIds)) {
    existing.push(...(await db.selectFrom('incident_deployment').select(['incident_id', 'deployment_id', 'method']).where('incident_id', 'in', ids).execute()))
  }
  const stored = new Map(existing.map((r) => [r.incident_id, r]))
  const wanted = new Set(links.map((l) => l.incidentId))
  const changed = links.filter((l) => {
    const s = stored.get(l.incidentId)
    return !s || s.deployment_id !== l.deploymentId || s.method !== l.method
  })
  const stale = existing.filter((r) => !wanted.has(r.incident_id)).map((r) => r.incident_id)
  await upsertIncidentDeployments(db, changed.map((l) => ({ incident_id: l.incidentId, deployment_id: l.deploymentId, method: l.method, linked_at: now })))
  for (const ids of chunks(stale)) await db.deleteFrom('incident_deployment').where('incident_id', 'in', ids).execute()
  return { written: changed.length, deleted: stale.length }
}

/**
 * Which stored failure rows a sync decides: rows of `reason` whose cause key is one of
 * `causeKeys`, or matches the SQL LIKE pattern `like` and is accepted by `owns`.
 */
export interface FailureOwnership {
  reason: FailureReason
  causeKeys?: readonly string[]
  like?: string
  owns?: (causeKey: string) => boolean
}

const failureKey = (f: { deployment_id: number; reason: string; cause_key: string }) => `${f.deployment_id}\u0000${f.reason}\u0000${f.cause_key}`

/**
 * Makes the `deployment_failure` rows owned by `owned` exactly `failures`. New rows are inserted, rows whose
 * remediation changed are updated and re-stamped, rows that no longer hold are deleted, and
 * unchanged rows are left alone.
 */
export async function syncDeploymentFailures(db: Kysely<Database>, owned: readonly FailureOwnership[], failures: readonly FailureLink[], now: Date): Promise<WriteCounts> {
  const existing: { deployment_id: number; reason: FailureReason; cause_key: string; remediation_deployment_id: number | null }[] = []
  const columns = ['deployment_id', 'reason', 'cause_key', 'remediation_deployment_id'] as const
  for (const o of owned) {
    for (const keys of chunks(o.causeKeys ?? [])) {
      existing.push(...(await db.selectFrom('deployment_failure').select(columns).where('reason', '=', o.reason).where('cause_key', 'in', keys).execute()))
    }
    if (o.like !== undefined) {
      const rows = await db.selectFrom('deployment_failure').select(columns).where('reason', '=', o.reason).where('cause_key', 'like', o.like).execute()
      existing.push(...rows.filter((r) => o.owns?.(r.cause_key) ?? true))
    }
  }
  const stored = new Map(existing.map((r) => [failureKey(r), r]))
  const rows = failures.map((f) => ({ deployment_id: f.deploymentId, reason: f.reason, cause_key: f.causeKey, remediation_deployment_id: f.remediationDeploymentId }))
  const unique = new Map(rows.map((r) => [failureKey(r), r]))
  const changed = [...unique.values()].filter((r) => {
    const s = stored.get(failureKey(r))
    return !s || s.remediation_deployment_id !== r.remediation_deployment_id
  })
  const stale = [...stored.values()].filter((r) => !unique.has(failureKey(r)))
  await upsertDeploymentFailures(db, changed.map((r) => ({ ...r, linked_at: now })))
  for (const batch of chunks(stale, 1_000)) {
    await db
      .deleteFrom('deployment_failure')
      .where((eb) => eb.or(batch.map((r) => eb.and([eb('deployment_id', '=', r.deployment_id), eb('reason', '=', r.reason), eb('cause_key', '=', r.cause_key)]))))
      .execute()
  }
  return { written: changed.length, deleted: stale.length }
}

const sameFlags = (a: ReworkFlags, b: ReworkFlags) => a.rollback === b.rollback && a.revert === b.revert && a.hotfix === b.hotfix && a.incidentLinked === b.incidentLinked

/**
 * Makes the `deployment_rework` rows of the owned deployments (those of `owned.service`, or the
 * ids in `owned.deploymentIds`) match `flags`: a deployment with any flag set has a row with
 * those flags, every other owned deployment has none. Unchanged rows are left alone.
 */
export async function syncDeploymentRework(
  db: Kysely<Database>,
  owned: { service: string } | { deploymentIds: readonly number[] },
  flags: ReadonlyMap<number, ReworkFlags>,
): Promise<WriteCounts> {
  const existing: { deployment_id: number; rollback: boolean; revert: boolean; hotfix: boolean; incident_linked: boolean }[] = []
  const columns = ['r.deployment_id', 'r.rollback', 'r.revert', 'r.hotfix', 'r.incident_linked'] as const
  if ('service' in owned) {
    existing.push(...(await db.selectFrom('deployment_rework as r').innerJoin('deployment as d', 'd.id', 'r.deployment_id').select(columns).where('d.service', '=', owned.service).execute()))
  } else {
    for (const ids of chunks(owned.deploymentIds)) existing.push(...(await db.selectFrom('deployment_rework as r').select(columns).where('r.deployment_id', 'in', ids).execute()))
  }
  const ownedIds = 'service' in owned ? null : new Set(owned.deploymentIds)
  const stored = new Map(existing.map((r) => [r.deployment_id, { rollback: r.rollback, revert: r.revert, hotfix: r.hotfix, incidentLinked: r.incident_linked }]))
  const wanted = [...flags].filter(([id, f]) => (ownedIds === null || ownedIds.has(id)) && (f.rollback || f.revert || f.hotfix || f.incidentLinked))
  const wantedIds = new Set(wanted.map(([id]) => id))
  const changed = wanted.filter(([id, f]) => {
    const s = stored.get(id)
    return !s || !sameFlags(s, f)
  })
  const stale = [...stored.keys()].filter((id) => !wantedIds.has(id))
  for (const batch of chunks(changed, 1_000)) {
    await db
      .insertInto('deployment_rework')
      .values(batch.map(([id, f]) => ({ deployment_id: id, rollback: f.rollback, revert: f.revert, hotfix: f.hotfix, incident_linked: f.incidentLinked })))
      .onConflict((oc) =>
        oc.column('deployment_id').doUpdateSet((eb) => ({
          rollback: eb.ref('excluded.rollback'),
          revert: eb.ref('excluded.revert'),
          hotfix: eb.ref('excluded.hotfix'),
          incident_linked: eb.ref('excluded.incident_linked'),
        })),
      )
      .execute()
  }
  for (const ids of chunks(stale)) await db.deleteFrom('deployment_rework').where('deployment_id', 'in', ids).execute()
  return { written: changed.length, deleted: stale.length }
}
