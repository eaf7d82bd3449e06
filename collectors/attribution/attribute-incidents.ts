import { sql, type Kysely } from 'kysely'
import type { AppConfig } from '../../server/config/app-config.ts'
import { DEFAULT_LABELS } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import type { Catalog } from './catalog.ts'
import type { CommitGraph } from './commit-graph.ts'
import { attributeIncident, explicitCauses, inScope, scopeOf, type AttrIncident, type IncidentLookups } from './incident-links.ts'
import { chunks, loadCatalog, loadCommitGraph, loadDeployments, lockAttribution } from './load.ts'
import { issueNumberOf, parseIssueRefs, type IssueRef } from './references.ts'
import { incidentHotfixFailures, type IncidentHotfix } from './reverts-hotfixes.ts'
import { deploymentRework, loadIncidentIssues } from './rework.ts'
import { byFinish, causeKey, type AttrDeployment, type FailureLink, type IncidentLink } from './types.ts'
import { syncDeploymentFailures, syncDeploymentRework, syncIncidentDeployments, type WriteCounts } from './write.ts'

/** What one incident attribution run did. */
export interface IncidentAttributionResult {
  /** Incidents considered. */
  incidents: number
  explicit: number
  window: number
  /** Incidents left without a deployment. */
  unattributed: number
  links: WriteCounts
  failures: WriteCounts
  /** `deployment_rework` rows of deployments shipping changes that name these incidents' issues (runs given `incidentIds` only). */
  rework: WriteCounts
}

/** Which incidents a run covers: the given ids, or those of some services/repositories (plus every incident without a service), or all. */
export type IncidentSelection = { incidentIds?: readonly number[]; services?: readonly string[]; repoIds?: readonly number[] }

type IncidentRow = {
  id: number
  source: string
  external_id: string
  reference: string | null
  url: string | null
  repo_id: number | null
  service: string | null
  team_id: string | null
  started_at: Date
  caused_by_sha: string | null
  caused_by_pr: number | null
  caused_by_deployment: string | null
}

async function loadIncidentRows(db: Kysely<Database>, selection: IncidentSelection): Promise<IncidentRow[]> {
  const base = db
    .selectFrom('incident')
    .select(['id', 'source', 'external_id', 'reference', 'url', 'repo_id', 'service', 'team_id', 'started_at', 'caused_by_sha', 'caused_by_pr', 'caused_by_deployment'])
    .orderBy('id')
  if (selection.incidentIds) {
    const out: IncidentRow[] = []
    for (const ids of chunks(selection.incidentIds)) out.push(...(await base.where('id', 'in', ids).execute()))
    return out
  }
  if (!selection.services && !selection.repoIds) return base.execute()
  const services = selection.services ?? []
  const repoIds = selection.repoIds ?? []
  return base
    .where((eb) =>
      eb.or([
        eb('service', 'is', null),
        ...(services.length > 0 ? [eb('service', 'in', services)] : []),
        ...(repoIds.length > 0 ? [eb('repo_id', 'in', repoIds)] : []),
      ]),
    )
    .execute()
}

/**
 * The selected incidents with their explicit causes (GitHub incident issues' bodies read from
 * `issue`), and the incident issues among them by `repoId#number`.
 */
async function loadIncidents(db: Kysely<Database>, selection: IncidentSelection): Promise<{ incidents: AttrIncident[]; issues: Map<string, number> }> {
  const rows = await loadIncidentRows(db, selection)
  const issues = new Map<string, number>()
  for (const r of rows) {
    const n = r.repo_id === null ? null : issueNumberOf(r.reference, r.url, r.external_id)
    if (n !== null) issues.set(`${r.repo_id}#${n}`, r.id)
  }
  const bodies = new Map<number, string | null>()
  const wanted = [...issues.keys()].map((k) => k.split('#').map(Number) as [number, number])
  for (const numbers of chunks([...new Set(wanted.map(([, n]) => n))])) {
    const found = await db
      .selectFrom('issue')
      .select(['repo_id', 'number', 'body'])
      .where('repo_id', 'in', [...new Set(wanted.map(([r]) => r))])
      .where('number', 'in', numbers)
      .execute()
    for (const f of found) {
      const id = issues.get(`${f.repo_id}#${f.number}`)
      if (id !== undefined) bodies.set(id, f.body)
    }
  }
  const incidents = rows.map((r) => ({
    id: r.id,
    service: r.service,
    teamId: r.team_id,
    repoId: r.repo_id,
    startedAt: r.started_at.getTime(),
    ...explicitCauses(r, bodies.get(r.id) ?? null),
  }))
  return { incidents, issues }
}

/** Shipped pull requests (by ids, or by repository and number) with the deployment that shipped each. */
async function loadShipped(
  db: Kysely<Database>,
  catalog: Catalog,
  filter: { pullRequestIds: readonly number[] } | { refs: readonly { repoId: number; number: number }[] },
): Promise<{ pullRequestId: number; repoId: number; number: number; deployment: AttrDeployment }[]> {
  const query = db
    .selectFrom('pull_request as pr')
    .innerJoin('deployment_change as dc', 'dc.pull_request_id', 'pr.id')
    .innerJoin('deployment as d', 'd.id', 'dc.deployment_id')
    .select(['pr.id as pr_id', 'pr.repo_id as pr_repo_id', 'pr.number', 'd.id', 'd.service', 'd.repo_id', 'd.sha', 'd.finished_at', 'd.external_id'])
    .where('d.finished_at', 'is not', null)
  const rows = []
  if ('pullRequestIds' in filter) {
    for (const ids of chunks(filter.pullRequestIds)) rows.push(...(await query.where('pr.id', 'in', ids).execute()))
  } else if (filter.refs.length > 0) {
    const repoIds = [...new Set(filter.refs.map((r) => r.repoId))]
    const wanted = new Set(filter.refs.map((r) => `${r.repoId}#${r.number}`))
    for (const numbers of chunks([...new Set(filter.refs.map((r) => r.number))])) {
      const found = await query.where('pr.repo_id', 'in', repoIds).where('pr.number', 'in', numbers).execute()
      rows.push(...found.filter((f) => wanted.has(`${f.pr_repo_id}#${f.number}`)))
    }
  }
  return rows.map((r) => ({
    pullRequestId: r.pr_id,
    repoId: r.pr_repo_id,
    number: r.number,
    deployment: { id: r.id, service: r.service, repoId: catalog.graphRepoOf({ repoId: r.repo_id, service: r.service }), sha: r.sha, finishedAt: r.finished_at!.getTime(), externalId: r.external_id },
  }))
}

/** Hotfix-labelled changes whose bodies name an incident issue of `issues` (`repoId#number` → incident id). */
async function loadIncidentHotfixes(
  db: Kysely<Database>,
  catalog: Catalog,
  hotfixLabels: readonly string[],
  issues: ReadonlyMap<string, number>,
): Promise<{ pullRequestId: number; incidentId: number }[]> {
  if (issues.size === 0 || hotfixLabels.length === 0) return []
  const labels = hotfixLabels.map((l) => l.toLowerCase())
  const rows = await db
    .selectFrom('pull_request as pr')
    .innerJoin('repository as r', 'r.id', 'pr.repo_id')
    .select(['pr.id', 'pr.repo_id', 'pr.body'])
    .where('pr.merged_at', 'is not', null)
    .whereRef('pr.base_branch', '=', 'r.default_branch')
    .where(sql<boolean>`exists (select 1 from unnest(pr.labels) as l(name) where lower(l.name) = any(${sql.val(labels)}::text[]))`)
    .orderBy('pr.id')
    .execute()
  const out: { pullRequestId: number; incidentId: number }[] = []
  for (const pr of rows) {
    for (const ref of parseIssueRefs(pr.body)) {
      const repoId = ref.repo === null ? pr.repo_id : catalog.repoByFullName(ref.repo)?.id
      const incidentId = repoId === undefined ? undefined : issues.get(`${repoId}#${ref.number}`)
      if (incidentId !== undefined) out.push({ pullRequestId: pr.id, incidentId })
    }
  }
  return out
}

/**
 * Deployments that ship a change whose body names one of `issues` (`repoId#number` of incident
 * issues): their incident-linked rework flag may have changed. Bodies are pre-filtered in SQL by
 * the issue numbers and then parsed exactly.
 */
async function deploymentsNamingIssues(db: Kysely<Database>, catalog: Catalog, issues: ReadonlyMap<string, number>): Promise<number[]> {
  const numbers = [...new Set([...issues.keys()].map((k) => Number(k.slice(k.indexOf('#') + 1))))]
  const out = new Set<number>()
  for (const batch of chunks(numbers, 500)) {
    const pattern = `(#|/issues/|/pull/)(${batch.join('|')})([^0-9]|$)`
    const rows = await db
      .selectFrom('pull_request as pr')
      .innerJoin('deployment_change as dc', 'dc.pull_request_id', 'pr.id')
      .select(['dc.deployment_id', 'pr.repo_id', 'pr.body'])
      .where(sql<boolean>`pr.body ~ ${pattern}`)
      .execute()
    for (const r of rows) {
      const names = parseIssueRefs(r.body).some((ref) => {
        const repoId = ref.repo === null ? r.repo_id : catalog.repoByFullName(ref.repo)?.id
        return repoId !== undefined && issues.has(`${repoId}#${ref.number}`)
      })
      if (names) out.add(r.deployment_id)
    }
  }
  return [...out].sort((a, b) => a - b)
}

/**
 * Everything attribution looks up for these incidents, loaded up front: the deployments of
 * their scopes and of the repositories their named commits may be in (with those repositories'
 * commit graphs), the deployments they name, and the deployments that shipped the PRs they name.
 */
async function buildLookups(db: Kysely<Database>, catalog: Catalog, incidents: readonly AttrIncident[]): Promise<{ lookups: IncidentLookups; byId: Map<number, AttrDeployment> }> {
  const scopes = new Map(incidents.map((i) => [i.id, scopeOf(catalog, i)]))
  /** Repositories a named commit or PR number is looked for in: the incident's, else its scope's. */
  const reposOf = (i: AttrIncident): number[] => {
    const scope = scopes.get(i.id)!
    const repos = new Set<number>(i.repoId !== null ? [i.repoId] : [])
    for (const s of scope.services) for (const r of catalog.reposOfService(s)) repos.add(r.id)
    for (const r of scope.repoIds) repos.add(r)
    return [...repos]
  }
  const prRepos = (i: AttrIncident, ref: IssueRef): number[] => {
    if (ref.repo === null) return i.repoId !== null ? [i.repoId] : reposOf(i)
    const repo = catalog.repoByFullName(ref.repo)
    return repo ? [repo.id] : []
  }

  const shaRepoIds = [...new Set(incidents.filter((i) => i.causedBySha).flatMap(reposOf))]
  const deployments = await loadDeployments(db, catalog, {
    services: [...scopes.values()].flatMap((s) => [...s.services]).concat(shaRepoIds.map((r) => catalog.repos.get(r)!.service)),
    repoIds: [...scopes.values()].flatMap((s) => [...s.repoIds]).concat(shaRepoIds),
    externalIds: incidents.flatMap((i) => (i.causedByDeployment ? [i.causedByDeployment] : [])),
  })
  const graphs = new Map<number, CommitGraph>()
  for (const repoId of shaRepoIds) graphs.set(repoId, await loadCommitGraph(db, repoId))
  const refs = incidents.flatMap((i) => (i.causedByPr ? prRepos(i, i.causedByPr).map((repoId) => ({ repoId, number: i.causedByPr!.number })) : []))
  const shipped = await loadShipped(db, catalog, { refs })
  const byId = new Map([...deployments, ...shipped.map((s) => s.deployment)].map((d) => [d.id, d]))
  const shippedBy = new Map(shipped.map((s) => [`${s.repoId}#${s.number}`, s.deployment.id]))

  const scopeLists = new Map<string, AttrDeployment[]>()
  const scopeDeployments = (i: AttrIncident): AttrDeployment[] => {
    const scope = scopes.get(i.id)!
    let list = scopeLists.get(scope.key)
    if (!list) scopeLists.set(scope.key, (list = deployments.filter((d) => inScope(scope, d))))
    return list
  }
  const earliest = (list: readonly AttrDeployment[]): number | null => (list.length === 0 ? null : [...list].sort(byFinish)[0]!.id)

  const lookups: IncidentLookups = {
    deploymentByExternalId(externalId, incident) {
      const named = deployments.filter((d) => d.externalId === externalId)
      const preferred = named.filter((d) => inScope(scopes.get(incident.id)!, d))
      return earliest(preferred.length > 0 ? preferred : named)
    },
    // The first deployment of the incident's scope containing the commit; else a deployment of
    // the scope whose SHA the named one abbreviates; else the first of any service containing it.
    firstContaining(sha, incident) {
      const scope = scopes.get(incident.id)!
      const inScopeHits: AttrDeployment[] = []
      const anyHits: AttrDeployment[] = []
      for (const repoId of reposOf(incident)) {
        const graph = graphs.get(repoId)!
        const commit = graph.resolve(sha)
        if (commit < 0) continue
        const ofRepo = deployments.filter((d) => d.repoId === repoId)
        const scoped = ofRepo.filter((d) => inScope(scope, d))
        const hit = scoped[graph.firstContaining(commit, scoped.map((d) => graph.resolve(d.sha)))]
        if (hit) inScopeHits.push(hit)
        const any = ofRepo[graph.firstContaining(commit, ofRepo.map((d) => graph.resolve(d.sha)))]
        if (any) anyHits.push(any)
      }
      const direct = scopeDeployments(incident).filter((d) => d.sha?.toLowerCase().startsWith(sha))
      return earliest(inScopeHits) ?? earliest(direct) ?? earliest(anyHits)
    },
    shippedBy(ref, incident) {
      const hits = [...new Set(prRepos(incident, ref).flatMap((repoId) => shippedBy.get(`${repoId}#${ref.number}`) ?? []))]
      return hits.length === 1 ? hits[0]! : null
    },
    scopeDeployments,
  }
  return { lookups, byId }
}

/**
 * Attributes incidents to deployments (DESIGN §4, "Incident → deployment attribution") and
 * writes, in one transaction, their `incident_deployment` rows and the failures that follow:
 * reason `incident` (cause `incident:<id>`, no remediation) on the attributed deployment, and
 * reason `hotfix` for each hotfix-labelled change naming the incident's GitHub issue (cause
 * `hotfix:pr:<pr id>:incident:<id>`, remediated by the deployment shipping the hotfix). Links
 * and failures of these incidents that no longer hold are deleted; unchanged rows are left as
 * they are. Reads shipped changes from `deployment_change`, so run it after shipping (as
 * recomputeAttribution does). Incident tools call it after storing incidents.
 */
export async function attributeIncidents(
  db: Kysely<Database>,
  config: AppConfig,
  options: IncidentSelection & { now?: Date; catalog?: Catalog } = {},
): Promise<IncidentAttributionResult> {
  const now = options.now ?? new Date()
  const catalog = options.catalog ?? (await loadCatalog(db, config))
  const { incidents, issues } = await loadIncidents(db, options)
  const { lookups, byId } = await buildLookups(db, catalog, incidents)
  const links: IncidentLink[] = []
  for (const incident of incidents) {
    const link = attributeIncident(incident, lookups, config.attribution.incidentWindowHours)
    if (link) links.push({ incidentId: incident.id, ...link })
  }

  const namings = await loadIncidentHotfixes(db, catalog, (config.sources.github?.labels ?? DEFAULT_LABELS).hotfix, issues)
  const hotfixShipping = new Map((await loadShipped(db, catalog, { pullRequestIds: [...new Set(namings.map((n) => n.pullRequestId))] })).map((s) => [s.pullRequestId, s.deployment]))
  const hotfixes: IncidentHotfix[] = namings.map((n) => ({ ...n, shippedBy: hotfixShipping.get(n.pullRequestId) ?? null }))
  const attributedTo = new Map(links.map((l) => [l.incidentId, byId.get(l.deploymentId)!]))
  const failures: FailureLink[] = [
    ...links.map((l) => ({ deploymentId: l.deploymentId, reason: 'incident' as const, causeKey: causeKey.incident(l.incidentId), remediationDeploymentId: null })),
    ...incidentHotfixFailures(hotfixes, attributedTo),
  ]

  const ids = incidents.map((i) => i.id)
  const processed = new Set(ids)
  const written = await inTransaction(db, async (trx) => {
    await lockAttribution(trx, 'incidents')
    const linkCounts = await syncIncidentDeployments(trx, ids, links, now)
    const failureCounts = await syncDeploymentFailures(
      trx,
      [
        { reason: 'incident', causeKeys: ids.map(causeKey.incident) },
        { reason: 'hotfix', like: 'hotfix:pr:%:incident:%', owns: (key) => processed.has(Number(key.slice(key.lastIndexOf(':') + 1))) },
      ],
      failures,
      now,
    )
    // A run for given incidents (an incident tool, the ingest API) may have stored new incident
    // issues: the deployments shipping changes that name them get their rework flags again.
    // Whole runs leave this to recomputeAttribution's service passes.
    let rework: WriteCounts = { written: 0, deleted: 0 }
    if (options.incidentIds && issues.size > 0) {
      const deploymentIds = await deploymentsNamingIssues(trx, catalog, issues)
      if (deploymentIds.length > 0) {
        const incidentIssues = await loadIncidentIssues(trx, config.sources.github?.labels ?? DEFAULT_LABELS)
        rework = await syncDeploymentRework(trx, { deploymentIds }, await deploymentRework(trx, config, { deploymentIds, catalog, incidentIssues }))
      }
    }
    return { links: linkCounts, failures: failureCounts, rework }
  })
  const explicit = links.filter((l) => l.method === 'explicit').length
  return { incidents: incidents.length, explicit, window: links.length - explicit, unattributed: incidents.length - links.length, ...written }
}
