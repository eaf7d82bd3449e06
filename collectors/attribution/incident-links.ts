import type { Catalog } from './catalog.ts'
import { parseCausedBy, parseRootCauseSha, type IssueRef } from './references.ts'
import { HOUR_MS, type AttrDeployment, type IncidentLink } from './types.ts'

/** An incident with what it says about its cause. */
export interface AttrIncident {
  id: number
  service: string | null
  teamId: string | null
  repoId: number | null
  /** Epoch milliseconds. */
  startedAt: number
  /** The deployment's external id, as the ingest API or an incident tool names it. */
  causedByDeployment: string | null
  /** A commit (7–40 hex digits): `caused_by_sha`, else the issue body's `root cause: <sha>`. */
  causedBySha: string | null
  /** A pull request: `caused_by_pr`, else the issue body's `caused by #N`. */
  causedByPr: IssueRef | null
}

/** Fills an incident's explicit causes from its columns, falling back to its GitHub issue body. */
export function explicitCauses(
  columns: { caused_by_deployment: string | null; caused_by_sha: string | null; caused_by_pr: number | null },
  body: string | null,
): Pick<AttrIncident, 'causedByDeployment' | 'causedBySha' | 'causedByPr'> {
  const sha = columns.caused_by_sha?.trim().toLowerCase() || parseRootCauseSha(body)
  return {
    causedByDeployment: columns.caused_by_deployment?.trim() || null,
    causedBySha: sha,
    causedByPr: columns.caused_by_pr !== null ? { repo: null, number: columns.caused_by_pr, closing: false } : parseCausedBy(body),
  }
}

/** How attribution finds deployments; each answers with a successful production deployment id, or null. */
export interface IncidentLookups {
  /** The deployment with this external id. */
  deploymentByExternalId(externalId: string, incident: AttrIncident): number | null
  /** The first deployment (by finish) containing the commit. */
  firstContaining(sha: string, incident: AttrIncident): number | null
  /** The deployment that shipped the pull request. */
  shippedBy(ref: IssueRef, incident: AttrIncident): number | null
  /** The deployments of the incident's service, else its team's (else its repository's), in finish order. */
  scopeDeployments(incident: AttrIncident): readonly { id: number; finishedAt: number }[]
}

/**
 * The latest deployment finishing within [startedAt − window, startedAt], both ends included;
 * `deployments` must be in finish order (equal finish times in id order).
 */
export function latestInWindow(deployments: readonly { id: number; finishedAt: number }[], startedAt: number, windowMs: number): number | null {
  let lo = 0
  let hi = deployments.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (deployments[mid]!.finishedAt <= startedAt) lo = mid + 1
    else hi = mid
  }
  const latest = deployments[lo - 1]
  return latest && latest.finishedAt >= startedAt - windowMs ? latest.id : null
}

/**
 * Attributes one incident to a deployment (DESIGN §4): explicitly first — the named deployment,
 * the first deployment containing the named commit, the deployment that shipped the named PR,
 * in that order — else the latest deployment of its scope that finished within the
 * `windowHours` before it started. Null when neither finds one.
 */
export function attributeIncident(incident: AttrIncident, lookups: IncidentLookups, windowHours: number): Omit<IncidentLink, 'incidentId'> | null {
  const explicit =
    (incident.causedByDeployment && lookups.deploymentByExternalId(incident.causedByDeployment, incident)) ||
    (incident.causedBySha && lookups.firstContaining(incident.causedBySha, incident)) ||
    (incident.causedByPr && lookups.shippedBy(incident.causedByPr, incident)) ||
    null
  if (explicit !== null) return { deploymentId: explicit, method: 'explicit' }
  const windowed = latestInWindow(lookups.scopeDeployments(incident), incident.startedAt, windowHours * HOUR_MS)
  return windowed === null ? null : { deploymentId: windowed, method: 'window' }
}

/** The deployments an incident's window looks at, by service name or graph repository. */
export interface IncidentScope {
  /** Identifies the scope, so incidents with the same one share its deployment list. */
  key: string
  services: ReadonlySet<string>
  repoIds: ReadonlySet<number>
}

/**
 * An incident's scope (DESIGN §4): its service; else its team (`team_id`, else the teams owning
 * its repository) — the team's services and repositories; else, with no team either, its
 * repository; else nothing.
 */
export function scopeOf(catalog: Catalog, incident: Pick<AttrIncident, 'service' | 'teamId' | 'repoId'>): IncidentScope {
  if (incident.service !== null) return { key: `service:${incident.service}`, services: new Set([incident.service]), repoIds: new Set() }
  const teams = incident.teamId !== null ? [incident.teamId] : incident.repoId !== null ? [...catalog.teamsOfRepo(incident.repoId)] : []
  if (teams.length > 0) {
    return {
      key: `team:${[...teams].sort().join(',')}`,
      services: new Set(teams.flatMap((t) => [...catalog.servicesOfTeam(t)])),
      repoIds: new Set(teams.flatMap((t) => [...catalog.reposOfTeam(t)])),
    }
  }
  if (incident.repoId !== null) return { key: `repo:${incident.repoId}`, services: new Set(), repoIds: new Set([incident.repoId]) }
  return { key: 'none', services: new Set(), repoIds: new Set() }
}

/** Whether a deployment is in the scope: of one of its services, or from one of its repositories. */
export function inScope(scope: IncidentScope, d: Pick<AttrDeployment, 'service' | 'repoId'>): boolean {
  return scope.services.has(d.service) || (d.repoId !== null && scope.repoIds.has(d.repoId))
}
