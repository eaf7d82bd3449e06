import type { FailureReason } from '../../server/db/schema.ts'
import type { DeployItem, IncidentItem, PrItem, RepoContext } from './model.ts'
import { HOUR } from './time.ts'

const INCIDENT_WINDOW = 24 * HOUR

export interface IncidentLink {
  incident: IncidentItem
  deployment: DeployItem
  method: 'explicit' | 'window'
}

export interface FailureLink {
  deployment: DeployItem
  reason: FailureReason
  causeKey: string
  remediation: DeployItem | null
}

/** The last index whose value is ≤ t in an ascending array (−1 when none). */
function lastAtOrBefore(values: readonly number[], t: number): number {
  let lo = 0
  let hi = values.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid]! <= t) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

/**
 * Attributes incidents to deployments by DESIGN §4: explicitly to the first successful production
 * deployment containing the incident's `caused_by_sha`, else to the latest one of its service
 * that finished within the 24 h before it started.
 */
export function attributeIncidents(ctx: RepoContext, ok: readonly DeployItem[]): IncidentLink[] {
  const finished = ok.map((d) => d.finishedAt!)
  const indexOfSha = new Map(ctx.commits.map((c) => [c.sha, c.index]))
  const links: IncidentLink[] = []
  for (const incident of ctx.incidents) {
    const commit = incident.causedBySha ? indexOfSha.get(incident.causedBySha) : undefined
    const containing = commit === undefined ? undefined : ok.find((d) => d.mainIndex >= commit)
    if (containing) {
      links.push({ incident, deployment: containing, method: 'explicit' })
      continue
    }
    const i = lastAtOrBefore(finished, incident.startedAt)
    if (i >= 0 && finished[i]! >= incident.startedAt - INCIDENT_WINDOW) links.push({ incident, deployment: ok[i]!, method: 'window' })
  }
  return links
}

/**
 * Why deployments failed, by the rules of DESIGN §4 applied to the generated history
 * (numbers must be assigned): rollbacks, reverts, hotfixes and attributed incidents.
 */
export function failures(ctx: RepoContext, ok: readonly DeployItem[], incidents: readonly IncidentLink[]): FailureLink[] {
  const out: FailureLink[] = []
  for (let k = 1; k < ok.length; k++) {
    const rollback = ok[k]!
    if (rollback.mainIndex >= ok[k - 1]!.mainIndex) continue
    for (let j = k - 1; j >= 0 && ok[j]!.mainIndex > rollback.mainIndex; j--) {
      out.push({ deployment: ok[j]!, reason: 'rollback', causeKey: `deployment:${rollback.externalId}`, remediation: rollback })
    }
  }
  const attributed = new Map(incidents.map((l) => [l.incident, l.deployment]))
  for (const pr of ctx.prs) {
    if (pr.mergedAt === null) continue
    if (pr.revertOf?.shippedBy && pr.shippedBy && pr.shippedBy.finishedAt! > pr.revertOf.shippedBy.finishedAt!) {
      out.push({ deployment: pr.revertOf.shippedBy, reason: 'revert', causeKey: `pr:${pr.number}`, remediation: pr.shippedBy })
    }
    if (pr.labels.includes('hotfix') && pr.fixes) {
      const target = 'kind' in pr.fixes ? (pr.fixes as PrItem).shippedBy : attributed.get(pr.fixes as IncidentItem)
      if (target) out.push({ deployment: target, reason: 'hotfix', causeKey: `pr:${pr.number}`, remediation: pr.shippedBy ?? null })
    }
  }
  for (const link of incidents) {
    out.push({ deployment: link.deployment, reason: 'incident', causeKey: `incident:${link.incident.source}:${incidentKey(ctx, link.incident)}`, remediation: null })
  }
  return out
}

/** The incident's id in its source: PagerDuty's id, or the GitHub issue as owner/repo#N. */
export function incidentKey(ctx: RepoContext, incident: IncidentItem): string {
  return incident.pagerdutyId ?? `${ctx.repo.fullName}#${incident.issue!.number}`
}
