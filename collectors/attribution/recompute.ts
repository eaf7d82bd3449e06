import type { Kysely } from 'kysely'
import { DEFAULT_LABELS, type AppConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import { attributeIncidents, type IncidentAttributionResult } from './attribute-incidents.ts'
import type { Catalog } from './catalog.ts'
import type { CommitGraph } from './commit-graph.ts'
import { chunks, loadCatalog, lockAttribution, loadChanges, loadCommitGraph, loadDeploymentRefs, loadDeploymentServices, loadDeployments } from './load.ts'
import { ChangeIndex, hotfixFailures, revertFailures } from './reverts-hotfixes.ts'
import { deploymentRework, loadIncidentIssues } from './rework.ts'
import { detectRollbacks } from './rollbacks.ts'
import { shipChanges, unknownDeployedShas } from './ship-changes.ts'
import { causeKey, type ShippingLink, type UnknownSha } from './types.ts'
import { syncDeploymentChanges, syncDeploymentFailures, syncDeploymentRework, type WriteCounts } from './write.ts'

export interface RecomputeOptions {
  /** Only these repositories: their services (by name or mapping) and the services their deployments name. */
  repoIds?: readonly number[]
  /** Only these services. */
  services?: readonly string[]
  /** The time written to `linked_at` on new or changed rows (default: now). */
  now?: Date
}

/** What one service's pass did. */
export interface ServiceResult {
  service: string
  deployments: number
  changes: number
  /** Changes linked to a deployment, by method. */
  shipped: { sha: number; time: number; explicit: number }
  rollbacks: number
  failures: number
  links: WriteCounts
  failureRows: WriteCounts
  /** `deployment_rework` rows of the service's deployments. */
  reworkRows: WriteCounts
  unknownShas: UnknownSha[]
}

export interface RecomputeResult {
  services: ServiceResult[]
  incidents: IncidentAttributionResult
  /**
   * Deployed SHAs missing from their repository's stored commit graph (graphs with no commits
   * at all are not listed): the GitHub collector fetches them with compare, then runs this again.
   */
  unknownShas: UnknownSha[]
}

/** The services a run covers. */
async function servicesToProcess(db: Kysely<Database>, catalog: Catalog, options: RecomputeOptions): Promise<string[]> {
  const out = new Set<string>()
  if (!options.services && !options.repoIds) {
    for (const s of catalog.repoServices()) out.add(s)
    for (const s of await loadDeploymentServices(db)) out.add(s)
  }
  for (const s of options.services ?? []) out.add(s)
  if (options.repoIds) {
    for (const id of options.repoIds) {
      const repo = catalog.repos.get(id)
      if (repo) out.add(repo.service)
    }
    for (const s of await loadDeploymentServices(db, options.repoIds)) out.add(s)
  }
  return [...out].sort()
}

/**
 * One service's pass, in one transaction: ships its changes, finds its rollbacks, reverts and
 * hotfixes naming PRs, and makes the stored rows it owns match — `deployment_change` of its
 * repositories' PRs, and failures caused by its rollbacks (`rollback:<deployment id>`), reverts
 * (`revert:pr:<id>`) and hotfixes (`hotfix:pr:<id>`), and the `deployment_rework` rows of its
 * deployments. `incidentIssues` (loadIncidentIssues) is read when not given.
 */
export async function recomputeService(
  db: Kysely<Database>,
  config: AppConfig,
  catalog: Catalog,
  service: string,
  now: Date,
  incidentIssues?: ReadonlySet<string>,
): Promise<ServiceResult> {
  const labels = config.sources.github?.labels ?? DEFAULT_LABELS
  const hotfixLabels = labels.hotfix
  const issues = incidentIssues ?? (await loadIncidentIssues(db, labels))
  return inTransaction(db, async (trx) => {
    await lockAttribution(trx, `service:${service}`)
    const deployments = await loadDeployments(trx, catalog, { services: [service] })
    const changeRepoIds = catalog.reposOfService(service).map((r) => r.id)
    const graphs = new Map<number, CommitGraph>()
    for (const repoId of new Set([...changeRepoIds, ...deployments.flatMap((d) => (d.repoId === null ? [] : [d.repoId]))])) {
      graphs.set(repoId, await loadCommitGraph(trx, repoId))
    }
    const changes = await loadChanges(trx, changeRepoIds, hotfixLabels)
    const rollbacks = detectRollbacks(deployments, graphs)
    const refs = await loadDeploymentRefs(trx, deployments.map((d) => d.id))
    const links = shipChanges({
      changes,
      deployments,
      graphs,
      rollbackIds: rollbacks.rollbackIds,
      maxLookbackDays: config.attribution.maxLookbackDays,
      refs,
      serviceRepoIds: changeRepoIds,
    })
    const shippedBy = new Map(links.map((l) => [l.pullRequestId, l.deploymentId]))
    const order = new Map(deployments.map((d) => [d.id, d]))
    const index = new ChangeIndex(changes, (fullName) => catalog.repoByFullName(fullName)?.id)
    const input = { changes, index, shippedBy, deployments: order, hotfixLabels }
    const failures = [...rollbacks.failures, ...revertFailures(input), ...hotfixFailures(input)]

    const deploymentIds = (await trx.selectFrom('deployment').select('id').where('service', '=', service).execute()).map((r) => r.id)
    const prIds: number[] = []
    for (const ids of chunks(changeRepoIds)) prIds.push(...(await trx.selectFrom('pull_request').select('id').where('repo_id', 'in', ids).execute()).map((r) => r.id))
    const linkCounts = await syncDeploymentChanges(trx, changeRepoIds, links, now)
    const failureCounts = await syncDeploymentFailures(
      trx,
      [
        { reason: 'rollback', causeKeys: deploymentIds.map(causeKey.rollback) },
        { reason: 'revert', causeKeys: prIds.map(causeKey.revert) },
        { reason: 'hotfix', causeKeys: prIds.map(causeKey.hotfix) },
      ],
      failures,
      now,
    )
    const rework = await deploymentRework(trx, config, { services: [service], catalog, incidentIssues: issues })
    const reworkCounts = await syncDeploymentRework(trx, { service }, rework)
    const count = (method: ShippingLink['method']) => links.filter((l) => l.method === method).length
    return {
      service,
      deployments: deployments.length,
      changes: changes.length,
      shipped: { sha: count('sha'), time: count('time'), explicit: count('explicit') },
      rollbacks: rollbacks.rollbackIds.size,
      failures: failures.length,
      links: linkCounts,
      failureRows: failureCounts,
      reworkRows: reworkCounts,
      unknownShas: unknownDeployedShas(deployments, graphs),
    }
  })
}

/**
 * Recomputes attribution (DESIGN §4) and stores it idempotently: for each service, in its own
 * transaction, which deployment shipped each change and the failures its rollbacks, reverts and
 * hotfixes cause, and which deployments are rework (`deployment_rework`); then incidents →
 * deployments with their failures (attributeIncidents). Rows
 * that no longer hold are deleted and unchanged rows keep their `linked_at`, so a run after new
 * data leaves exactly what a run on an empty attribution would. With `services` or `repoIds`,
 * only those services are recomputed, with the incidents of those services and repositories
 * and every incident without a service.
 */
export async function recomputeAttribution(db: Kysely<Database>, config: AppConfig, options: RecomputeOptions = {}): Promise<RecomputeResult> {
  const now = options.now ?? new Date()
  const catalog = await loadCatalog(db, config)
  const services = await servicesToProcess(db, catalog, options)
  const incidentIssues = await loadIncidentIssues(db, config.sources.github?.labels ?? DEFAULT_LABELS)
  const results: ServiceResult[] = []
  for (const service of services) results.push(await recomputeService(db, config, catalog, service, now, incidentIssues))
  const restricted = options.services !== undefined || options.repoIds !== undefined
  const repoIds = [...new Set([...(options.repoIds ?? []), ...services.flatMap((s) => catalog.reposOfService(s).map((r) => r.id))])]
  const incidents = await attributeIncidents(db, config, { now, catalog, ...(restricted ? { services, repoIds } : {}) })
  const unknown = new Map<string, UnknownSha>()
  for (const u of results.flatMap((r) => r.unknownShas)) {
    const key = `${u.repoId}:${u.sha}`
    const seen = unknown.get(key)
    if (seen) seen.deploymentIds.push(...u.deploymentIds.filter((id) => !seen.deploymentIds.includes(id)))
    else unknown.set(key, { ...u, deploymentIds: [...u.deploymentIds] })
  }
  return { services: results, incidents, unknownShas: [...unknown.values()] }
}
