import { sql, type Kysely } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import type { Catalog } from './catalog.ts'
import { CommitGraph } from './commit-graph.ts'
import type { AttrChange, AttrDeployment, DeploymentRef, ShipMethod } from './types.ts'

/** Most values bound in one `in (…)` list. */
const IN_CHUNK = 10_000

/** Splits a list for `in (…)` filters. */
export function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Serialises attribution writes for one key (a service, or `incidents`) until the caller's
 * transaction ends, so two runs at once (a webhook and the scheduled collect) take turns.
 */
export async function lockAttribution(trx: Kysely<Database>, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`meridian:attribution:${key}`}))`.execute(trx)
}

export { loadCatalog } from '../../server/catalog/load-catalog.ts'

/** Every service named by a deployment. */
export async function loadDeploymentServices(db: Kysely<Database>, repoIds?: readonly number[]): Promise<string[]> {
  if (repoIds && repoIds.length === 0) return []
  const rows = await db
    .selectFrom('deployment')
    .select('service')
    .distinct()
    .$if(repoIds !== undefined, (q) => q.where('repo_id', 'in', repoIds!))
    .execute()
  return rows.map((r) => r.service)
}

type DeploymentFilter = { services?: readonly string[]; repoIds?: readonly number[]; externalIds?: readonly string[] }

/**
 * Successful production deployments with a finish time matching any of the filters (services,
 * repositories, external ids), in finish order; `repoId` is the graph repository (see Catalog).
 */
export async function loadDeployments(db: Kysely<Database>, catalog: Catalog, filter: DeploymentFilter): Promise<AttrDeployment[]> {
  const services = [...new Set(filter.services ?? [])]
  const repoIds = [...new Set(filter.repoIds ?? [])]
  const externalIds = [...new Set(filter.externalIds ?? [])]
  if (services.length + repoIds.length + externalIds.length === 0) return []
  const rows = await db
    .selectFrom('deployment')
    .select(['id', 'service', 'repo_id', 'sha', 'finished_at', 'external_id'])
    .where('is_production', '=', true)
    .where('status', '=', 'success')
    .where('finished_at', 'is not', null)
    .where((eb) =>
      eb.or([
        ...(services.length > 0 ? [eb('service', 'in', services)] : []),
        ...(repoIds.length > 0 ? [eb('repo_id', 'in', repoIds)] : []),
        ...(externalIds.length > 0 ? [eb('external_id', 'in', externalIds)] : []),
      ]),
    )
    .orderBy('finished_at')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    service: r.service,
    repoId: catalog.graphRepoOf({ repoId: r.repo_id, service: r.service }),
    sha: r.sha,
    finishedAt: r.finished_at!.getTime(),
    externalId: r.external_id,
  }))
}

/** What the given deployments name as shipped (`deployment_ref`), by deployment id. */
export async function loadDeploymentRefs(db: Kysely<Database>, deploymentIds: readonly number[]): Promise<Map<number, DeploymentRef[]>> {
  const out = new Map<number, DeploymentRef[]>()
  for (const ids of chunks([...new Set(deploymentIds)])) {
    const rows = await db.selectFrom('deployment_ref').select(['deployment_id', 'kind', 'value']).where('deployment_id', 'in', ids).orderBy('deployment_id').orderBy('kind').orderBy('value').execute()
    for (const r of rows) {
      const refs = out.get(r.deployment_id)
      if (refs) refs.push({ kind: r.kind, value: r.value })
      else out.set(r.deployment_id, [{ kind: r.kind, value: r.value }])
    }
  }
  return out
}

/** The repository's default-branch commit graph. */
export async function loadCommitGraph(db: Kysely<Database>, repoId: number): Promise<CommitGraph> {
  const commits = await db.selectFrom('commit').select(['sha', 'parents']).where('repo_id', '=', repoId).execute()
  return CommitGraph.build(commits)
}

/**
 * The changes of the given repositories: pull requests merged into the repository's default
 * branch. Bodies are read only where a rule needs them (possible reverts and hotfixes).
 */
export async function loadChanges(db: Kysely<Database>, repoIds: readonly number[], hotfixLabels: readonly string[]): Promise<AttrChange[]> {
  if (repoIds.length === 0) return []
  const hotfix = hotfixLabels.map((l) => l.toLowerCase())
  const rows = await db
    .selectFrom('pull_request as pr')
    .innerJoin('repository as r', 'r.id', 'pr.repo_id')
    .select([
      'pr.id',
      'pr.repo_id',
      'pr.number',
      'pr.title',
      'pr.labels',
      'pr.merged_at',
      'pr.merge_commit_sha',
      'pr.revert_of_repo',
      'pr.revert_of_number',
      sql<string | null>`case when pr.title ilike 'revert%' or pr.body ilike '%reverts%' or exists (
        select 1 from unnest(pr.labels) as l(name) where lower(l.name) = any(${sql.val(hotfix)}::text[])
      ) then pr.body end`.as('body'),
    ])
    .where('pr.repo_id', 'in', repoIds)
    .where('pr.merged_at', 'is not', null)
    .whereRef('pr.base_branch', '=', 'r.default_branch')
    .orderBy('pr.id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    repoId: r.repo_id,
    number: r.number,
    title: r.title,
    body: r.body,
    labels: r.labels,
    mergedAt: r.merged_at!.getTime(),
    mergeCommitSha: r.merge_commit_sha,
    revertOfRepo: r.revert_of_repo,
    revertOfNumber: r.revert_of_number,
  }))
}

/** Stored `deployment_change` rows of the given pull requests' repositories, or of the given pull requests. */
export async function loadShipping(
  db: Kysely<Database>,
  filter: { repoIds?: readonly number[]; pullRequestIds?: readonly number[] },
): Promise<{ pull_request_id: number; deployment_id: number; method: ShipMethod }[]> {
  const out: { pull_request_id: number; deployment_id: number; method: ShipMethod }[] = []
  if (filter.repoIds?.length) {
    out.push(
      ...(await db
        .selectFrom('deployment_change as dc')
        .innerJoin('pull_request as pr', 'pr.id', 'dc.pull_request_id')
        .select(['dc.pull_request_id', 'dc.deployment_id', 'dc.method'])
        .where('pr.repo_id', 'in', filter.repoIds)
        .execute()),
    )
  }
  for (const ids of chunks(filter.pullRequestIds ?? [])) {
    out.push(...(await db.selectFrom('deployment_change').select(['pull_request_id', 'deployment_id', 'method']).where('pull_request_id', 'in', ids).execute()))
  }
  return out
}
