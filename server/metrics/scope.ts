import { sql, type Expression, type SqlBool } from 'kysely'
import type { Catalog } from '../catalog/catalog.ts'

/** `org`, `team:<id>`, `service:<name>` or `repo:<owner>/<name>` (DESIGN §7). */
export type ScopeKind = 'org' | 'team' | 'service' | 'repo'

/**
 * A scope resolved against the catalog: which services, repositories and SLO services its rows
 * belong to. `null` lists mean "everything" (the organisation).
 */
export interface ResolvedScope {
  kind: ScopeKind
  /** The text after `kind:`; null for org. */
  id: string | null
  /** The scope as written in URLs: `org`, `team:payments`, … */
  key: string
  /** Services whose deployments, incidents and SLOs belong to it. */
  services: readonly string[] | null
  /** Repositories whose changes, issues, alerts and runs belong to it. */
  repoIds: readonly number[] | null
  /** For team scopes, incidents carrying this team id belong to it too. */
  teamId: string | null
}

export class ScopeError extends Error {}

const SCOPE = /^(org|team:[a-z0-9][a-z0-9_-]*|service:[^\s:][^\s]*|repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)$/

/** Splits a scope string; throws ScopeError naming what is expected. */
export function parseScope(text: string): { kind: ScopeKind; id: string | null } {
  if (!SCOPE.test(text)) throw new ScopeError(`scope "${text}" is not valid: expected org, team:<id>, service:<name> or repo:<owner>/<name>`)
  if (text === 'org') return { kind: 'org', id: null }
  const i = text.indexOf(':')
  return { kind: text.slice(0, i) as ScopeKind, id: text.slice(i + 1) }
}

/**
 * Resolves a scope (DESIGN §4, "Services and teams"): a team owns the repositories it lists and
 * their services plus the services it lists, and the repositories of those services; a service
 * has the repositories mapped to it; a repository has its own service. Throws ScopeError for a
 * team or repository that does not exist.
 */
export function resolveScope(text: string, catalog: Catalog, knownTeams: ReadonlySet<string>): ResolvedScope {
  const { kind, id } = parseScope(text)
  switch (kind) {
    case 'org':
      return { kind, id, key: 'org', services: null, repoIds: null, teamId: null }
    case 'team': {
      if (!knownTeams.has(id!)) throw new ScopeError(`team "${id}" does not exist`)
      const services = [...catalog.servicesOfTeam(id!)].sort()
      const repoIds = new Set(catalog.reposOfTeam(id!))
      for (const s of services) for (const r of catalog.reposOfService(s)) repoIds.add(r.id)
      return { kind, id, key: text, services, repoIds: [...repoIds].sort((a, b) => a - b), teamId: id }
    }
    case 'service':
      return { kind, id, key: text, services: [id!], repoIds: catalog.reposOfService(id!).map((r) => r.id), teamId: null }
    case 'repo': {
      const repo = catalog.repoByFullName(id!)
      if (!repo) throw new ScopeError(`repository "${id}" is not known (not collected yet?)`)
      return { kind, id: repo.fullName, key: `repo:${repo.fullName}`, services: [repo.service], repoIds: [repo.id], teamId: null }
    }
  }
}

const FALSE = sql<SqlBool>`false`
const TRUE = sql<SqlBool>`true`

const inList = (column: string, values: readonly (string | number)[]): Expression<SqlBool> =>
  values.length === 0 ? FALSE : sql<SqlBool>`${sql.ref(column)} in (${sql.join(values.map((v) => sql.val(v)))})`

/** Rows keyed by repository (changes, issues, alerts, workflow runs, observations). */
export function repoFilter(scope: ResolvedScope, column: string): Expression<SqlBool> {
  return scope.repoIds === null ? TRUE : inList(column, scope.repoIds)
}

/**
 * Deployments: by service; for a repository scope, its own deployments and those of its service
 * that name no repository (ingested ones).
 */
export function deploymentFilter(scope: ResolvedScope, alias = 'd'): Expression<SqlBool> {
  if (scope.kind === 'org') return TRUE
  if (scope.kind === 'repo') {
    return sql<SqlBool>`(${sql.ref(`${alias}.repo_id`)} = ${scope.repoIds![0]!} or (${sql.ref(`${alias}.repo_id`)} is null and ${sql.ref(`${alias}.service`)} = ${scope.services![0]!}))`
  }
  return inList(`${alias}.service`, scope.services!)
}

/**
 * Incidents: a team's are those carrying its id, of its services or of its repositories; a
 * service's those of the service; a repository's those filed in it, or of its service when they
 * name no repository.
 */
export function incidentFilter(scope: ResolvedScope, alias = 'i'): Expression<SqlBool> {
  const col = (c: string) => sql.ref(`${alias}.${c}`)
  switch (scope.kind) {
    case 'org':
      return TRUE
    case 'service':
      return inList(`${alias}.service`, scope.services!)
    case 'repo':
      return sql<SqlBool>`(${col('repo_id')} = ${scope.repoIds![0]!} or (${col('repo_id')} is null and ${col('service')} = ${scope.services![0]!}))`
    case 'team':
      return sql<SqlBool>`(${col('team_id')} = ${scope.teamId!} or ${inList(`${alias}.service`, scope.services!)} or ${inList(`${alias}.repo_id`, scope.repoIds!)})`
  }
}

/** SLOs in scope: those of the scope's services (all for the organisation). */
export function sloInScope(scope: ResolvedScope, sloService: string): boolean {
  return scope.services === null || scope.services.includes(sloService)
}
