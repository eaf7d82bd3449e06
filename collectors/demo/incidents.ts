import type { Severity } from '../../server/db/schema.ts'
import type { DeployItem, IncidentItem, RepoContext } from './model.ts'
import { DAY, HOUR, MINUTE, wholeSecond } from './time.ts'
import { INCIDENT_TITLES, SECURITY_INCIDENT_TITLES } from './vocabulary.ts'

const PAGERDUTY_SEVERITY: readonly (readonly [Severity, number])[] = [
  ['sev1', 5],
  ['sev2', 15],
  ['sev3', 35],
  ['sev4', 30],
  ['sev5', 15],
]
/** GitHub's default severity labels stop at sev4, and a few incident issues carry none. */
const GITHUB_SEVERITY: readonly (readonly [Severity | null, number])[] = [
  ['sev1', 6],
  ['sev2', 17],
  ['sev3', 40],
  ['sev4', 31],
  [null, 6],
]
const MEDIAN_HOURS_TO_RESOLVE: Record<Severity, number> = { sev1: 1.5, sev2: 3, sev3: 8, sev4: 20, sev5: 60 }
const SECURITY_SHARE = 0.08
const REPEAT_SHARE = 0.11
const REPEAT_WITHIN = 90 * DAY

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

function titleFor(ctx: RepoContext, key: string, security: boolean): string {
  const list = security ? SECURITY_INCIDENT_TITLES : INCIDENT_TITLES
  return (list.find(([k]) => k === key) ?? list[0]!)[1].replace('{svc}', ctx.repo.name)
}

/**
 * A new incident of the repository's service starting at `startedAt`, with severity-dependent
 * acknowledgement and resolution times (unknown ones left null when they fall after `now`).
 * GitHub-source incidents get an incident issue.
 */
export function newIncident(
  ctx: RepoContext,
  opts: { startedAt: number; source: IncidentItem['source']; causedBy?: DeployItem | null; causedBySha?: string | null },
): IncidentItem {
  const { rng, org, repo } = ctx
  const startedAt = wholeSecond(opts.startedAt)
  const severity = opts.source === 'github' ? rng.weighted(GITHUB_SEVERITY) : rng.weighted(PAGERDUTY_SEVERITY)
  const isSecurity = rng.chance(SECURITY_SHARE)
  const [titleKey] = rng.pick(isSecurity ? SECURITY_INCIDENT_TITLES : INCIDENT_TITLES)
  const ack = opts.source === 'pagerduty' ? wholeSecond(startedAt + clamp(rng.lognormal(6 * MINUTE, 0.8), 30_000, 2 * HOUR)) : null
  const resolvedAt = wholeSecond(startedAt + clamp(rng.lognormal(MEDIAN_HOURS_TO_RESOLVE[severity ?? 'sev3'] * HOUR, 0.8), 10 * MINUTE, 20 * DAY))
  const ordinal = ctx.incidents.length + 1
  const pagerdutyCount = ctx.incidents.filter((i) => i.source === 'pagerduty').length
  const incident: IncidentItem = {
    source: opts.source,
    pagerdutyId: opts.source === 'pagerduty' ? `P${repo.index.toString(36).padStart(3, '0')}${pagerdutyCount.toString(36).padStart(4, '0')}`.toUpperCase() : null,
    pagerdutyNumber: opts.source === 'pagerduty' ? (repo.index + 1) * 1_000 + pagerdutyCount : null,
    issue: null,
    titleKey,
    title: titleFor(ctx, titleKey, isSecurity),
    severity,
    startedAt,
    acknowledgedAt: ack !== null && ack < org.now ? Math.max(ack, startedAt) : null,
    resolvedAt: resolvedAt < org.now ? resolvedAt : null,
    isSecurity,
    rootCauseKey: `${repo.name}:${titleKey}:${ordinal}`,
    customerImpact: rng.chance(severity === 'sev1' || severity === 'sev2' ? 0.9 : severity === 'sev3' ? 0.4 : 0.1),
    causedBySha: opts.causedBySha ?? null,
    causedBy: opts.causedBy ?? null,
  }
  ctx.incidents.push(incident)
  if (opts.source === 'github') {
    const issue = {
      seq: ctx.nextSeq(),
      number: 0,
      kind: 'incident' as const,
      title: incident.title,
      body: '',
      author: rng.pick(ctx.activePeople(startedAt)).login,
      labels: [],
      createdAt: startedAt,
      closedAt: null,
      milestone: null,
      incident,
    }
    incident.issue = issue
    ctx.issues.push(issue)
  }
  return incident
}

/** Moves an incident's resolution to `at` (never before it was acknowledged; null if after `now`). */
export function resolveIncidentAt(ctx: RepoContext, incident: IncidentItem, at: number): void {
  const resolvedAt = wholeSecond(Math.max(at, incident.acknowledgedAt ?? incident.startedAt + MINUTE))
  incident.resolvedAt = resolvedAt < ctx.org.now ? resolvedAt : null
}

/**
 * Adds incidents no deployment caused (outages of dependencies, capacity, abuse) until the
 * repository has its share, a few of them still open at `now`.
 */
export function planBackgroundIncidents(ctx: RepoContext): void {
  const { rng, org } = ctx
  const target = org.spec.incidentsPerRepoYear * ctx.years * ctx.repo.weight
  const count = rng.poisson(Math.max(target - ctx.incidents.length, target * 0.3))
  const starts = Array.from({ length: count }, () => org.start + rng.float() * (org.now - org.start)).sort((a, b) => a - b)
  for (const startedAt of starts) newIncident(ctx, { startedAt, source: rng.chance(0.75) ? 'pagerduty' : 'github' })
  if (rng.chance(0.3)) {
    const open = newIncident(ctx, { startedAt: org.now - rng.float(HOUR, 40 * HOUR), source: rng.chance(0.6) ? 'pagerduty' : 'github' })
    open.resolvedAt = null
  }
}

/**
 * Makes about one incident in nine a repeat: it takes the root cause (and title) of an earlier
 * incident of the service that started within the previous 90 days.
 */
export function markRepeats(ctx: RepoContext): void {
  const { rng } = ctx
  const byStart = [...ctx.incidents].sort((a, b) => a.startedAt - b.startedAt)
  byStart.forEach((incident, i) => {
    if (!rng.chance(REPEAT_SHARE)) return
    const earlier = byStart.slice(0, i).filter((e) => e.startedAt > incident.startedAt - REPEAT_WITHIN && e.startedAt < incident.startedAt)
    if (earlier.length === 0) return
    const first = rng.pick(earlier)
    incident.rootCauseKey = first.rootCauseKey
    incident.titleKey = first.titleKey
    incident.isSecurity = first.isSecurity
    incident.title = first.title
    if (incident.issue) incident.issue.title = first.title
  })
}

/** Links about half the GitHub incidents to a later change whose body names the incident issue. */
export function planFollowUps(ctx: RepoContext): void {
  const changes = ctx.prs.filter((p) => p.kind === 'change' && p.mergedAt !== null).sort((a, b) => a.createdAt - b.createdAt)
  for (const incident of ctx.incidents) {
    if (!incident.issue || !ctx.rng.chance(0.5)) continue
    const after = incident.startedAt + DAY * ctx.rng.float(0.5, 5)
    const pr = changes.find((p) => p.createdAt >= after && !p.followUpOf)
    if (pr) pr.followUpOf = incident
  }
}
