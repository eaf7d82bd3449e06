import { sql, type Kysely } from 'kysely'
import { DEFAULT_LABELS, type AppConfig, type LabelConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import type { Catalog } from './catalog.ts'
import { chunks, loadCatalog } from './load.ts'
import { hasLabel, isRevert, issueNumberOf, parseIssueRefs } from './references.ts'

/** Why a deployment counts as rework (DESIGN §4, `dora.rework_rate`). */
export interface ReworkFlags {
  /** The deployment is a rollback. */
  rollback: boolean
  /** It ships a revert. */
  revert: boolean
  /** It ships a hotfix-labelled change. */
  hotfix: boolean
  /** It ships a change whose body names an incident issue. */
  incidentLinked: boolean
}

/** A change as the rework rules read it. */
export interface ReworkChange {
  repoId: number
  title: string
  body: string | null
  labels: readonly string[]
  revert_of_number: number | null
}

/**
 * Classifies one shipped change: a revert (title `Revert "…"`, body `Reverts owner/repo#N`, or
 * parsed by the collector), a hotfix (a `labels.hotfix` label), incident-linked (its body names
 * an incident issue: `incidentIssues` holds `repoId#number`).
 */
export function classifyChange(
  change: ReworkChange,
  hotfixLabels: readonly string[],
  incidentIssues: ReadonlySet<string>,
  repoIdOf: (fullName: string) => number | undefined,
): Omit<ReworkFlags, 'rollback'> {
  return {
    revert: isRevert(change),
    hotfix: hasLabel(change.labels, hotfixLabels),
    incidentLinked: parseIssueRefs(change.body).some((ref) => {
      const repoId = ref.repo === null ? change.repoId : repoIdOf(ref.repo)
      return repoId !== undefined && incidentIssues.has(`${repoId}#${ref.number}`)
    }),
  }
}

/** `repoId#number` of every incident issue: GitHub incidents with a repository, and issues carrying an incident label. */
export async function loadIncidentIssues(db: Kysely<Database>, labels: LabelConfig): Promise<Set<string>> {
  const out = new Set<string>()
  const incidents = await db.selectFrom('incident').select(['repo_id', 'reference', 'url', 'external_id']).where('repo_id', 'is not', null).execute()
  for (const i of incidents) {
    const n = issueNumberOf(i.reference, i.url, i.external_id)
    if (n !== null) out.add(`${i.repo_id}#${n}`)
  }
  const wanted = labels.incident.map((l) => l.toLowerCase())
  if (wanted.length > 0) {
    const issues = await db
      .selectFrom('issue')
      .select(['repo_id', 'number'])
      .where(sql<boolean>`exists (select 1 from unnest(labels) as l(name) where lower(l.name) = any(${sql.val(wanted)}::text[]))`)
      .execute()
    for (const i of issues) out.add(`${i.repo_id}#${i.number}`)
  }
  return out
}

/**
 * Rework flags of successful production deployments finishing in [from, to) (either bound
 * optional), optionally only of some services or ids: whether each is a rollback (it
 * remediates a `rollback` failure) or ships a revert, a hotfix or an incident-linked change.
 * Every such deployment is returned, with all flags false when it is not rework. `incidentIssues`
 * (from loadIncidentIssues) saves reloading them when called once per service.
 */
export async function deploymentRework(
  db: Kysely<Database>,
  config: AppConfig,
  filter: { from?: Date; to?: Date; services?: readonly string[]; deploymentIds?: readonly number[]; catalog?: Catalog; incidentIssues?: ReadonlySet<string> } = {},
): Promise<Map<number, ReworkFlags>> {
  const labels = config.sources.github?.labels ?? DEFAULT_LABELS
  const catalog = filter.catalog ?? (await loadCatalog(db, config))
  const deployments = await db
    .selectFrom('deployment')
    .select('id')
    .where('is_production', '=', true)
    .where('status', '=', 'success')
    .where('finished_at', 'is not', null)
    .$if(filter.from !== undefined, (q) => q.where('finished_at', '>=', filter.from!))
    .$if(filter.to !== undefined, (q) => q.where('finished_at', '<', filter.to!))
    .$if(filter.services !== undefined, (q) => (filter.services!.length === 0 ? q.where(sql<boolean>`false`) : q.where('service', 'in', filter.services!)))
    .$if(filter.deploymentIds !== undefined, (q) => (filter.deploymentIds!.length === 0 ? q.where(sql<boolean>`false`) : q.where('id', 'in', filter.deploymentIds!)))
    .orderBy('id')
    .execute()
  const out = new Map<number, ReworkFlags>(deployments.map((d) => [d.id, { rollback: false, revert: false, hotfix: false, incidentLinked: false }]))
  if (out.size === 0) return out
  const incidentIssues = filter.incidentIssues ?? (await loadIncidentIssues(db, labels))
  for (const ids of chunks([...out.keys()])) {
    const rollbacks = await db
      .selectFrom('deployment_failure')
      .select('remediation_deployment_id')
      .distinct()
      .where('reason', '=', 'rollback')
      .where('remediation_deployment_id', 'in', ids)
      .execute()
    for (const r of rollbacks) out.get(r.remediation_deployment_id!)!.rollback = true
    const shipped = await db
      .selectFrom('deployment_change as dc')
      .innerJoin('pull_request as pr', 'pr.id', 'dc.pull_request_id')
      .select(['dc.deployment_id', 'pr.repo_id as repoId', 'pr.title', 'pr.body', 'pr.labels', 'pr.revert_of_number'])
      .where('dc.deployment_id', 'in', ids)
      .execute()
    for (const change of shipped) {
      const flags = out.get(change.deployment_id)!
      const c = classifyChange(change, labels.hotfix, incidentIssues, (name) => catalog.repoByFullName(name)?.id)
      flags.revert ||= c.revert
      flags.hotfix ||= c.hotfix
      flags.incidentLinked ||= c.incidentLinked
    }
  }
  return out
}

/** `org`, `team:<id>`, `service:<name>` or `repo:<owner>/<name>` (DESIGN §7). */
export type Scope = string

/**
 * Incident link coverage: incidents that started in [from, to) within `scope`, and how many of
 * them are attributed to a deployment. A team's incidents are those of its id, its services or
 * its repositories. `coverage` is linked ÷ total, null when there are none.
 */
export async function incidentLinkCoverage(
  db: Kysely<Database>,
  config: AppConfig,
  args: { from: Date; to: Date; scope?: Scope; catalog?: Catalog },
): Promise<{ linked: number; total: number; coverage: number | null }> {
  const scope = args.scope ?? 'org'
  const catalog = args.catalog ?? (await loadCatalog(db, config))
  let query = db
    .selectFrom('incident as i')
    .leftJoin('incident_deployment as l', 'l.incident_id', 'i.id')
    .select([sql<number>`count(*)::int`.as('total'), sql<number>`count(l.incident_id)::int`.as('linked')])
    .where('i.started_at', '>=', args.from)
    .where('i.started_at', '<', args.to)
  if (scope.startsWith('service:')) {
    query = query.where('i.service', '=', scope.slice('service:'.length))
  } else if (scope.startsWith('repo:')) {
    const repo = catalog.repoByFullName(scope.slice('repo:'.length))
    query = query.where((eb) => eb.or([eb('i.repo_id', '=', repo?.id ?? -1), ...(repo ? [eb.and([eb('i.repo_id', 'is', null), eb('i.service', '=', repo.service)])] : [])]))
  } else if (scope.startsWith('team:')) {
    const team = scope.slice('team:'.length)
    const services = [...catalog.servicesOfTeam(team)]
    const repoIds = [...catalog.reposOfTeam(team)]
    query = query.where((eb) =>
      eb.or([
        eb('i.team_id', '=', team),
        ...(services.length > 0 ? [eb('i.service', 'in', services)] : []),
        ...(repoIds.length > 0 ? [eb('i.repo_id', 'in', repoIds)] : []),
      ]),
    )
  } else if (scope !== 'org') {
    throw new Error(`unknown scope "${scope}": expected org, team:<id>, service:<name> or repo:<owner>/<name>`)
  }
  const { total, linked } = await query.executeTakeFirstOrThrow()
  return { linked, total, coverage: total === 0 ? null : linked / total }
}
