import type { Insertable } from 'kysely'
import type { RepositoryObservationTable, Tristate, VulnerabilityAlertTable } from '../../server/db/schema.ts'
import type { RepoContext } from './model.ts'
import { DAY, isoDate, monthStarts, wholeSecond } from './time.ts'
import { PACKAGES } from './vocabulary.ts'

type AlertSeverity = VulnerabilityAlertTable['severity']
const SEVERITIES: readonly (readonly [AlertSeverity, number])[] = [
  ['critical', 10],
  ['high', 25],
  ['medium', 40],
  ['low', 25],
]
/** Median days to fix; the default SLA is 15 days for critical and 30 for high, so some miss it. */
const MEDIAN_DAYS_TO_FIX: Record<AlertSeverity, number> = { critical: 6, high: 14, medium: 35, low: 60 }

export type AlertRow = Omit<Insertable<VulnerabilityAlertTable>, 'repo_id'>
export type ObservationRow = Omit<Insertable<RepositoryObservationTable>, 'repo_id'>

/** Dependabot alerts of the repository: fixed or dismissed after realistic delays, or still open. */
export function planAlerts(ctx: RepoContext): AlertRow[] {
  const { rng, org, repo } = ctx
  const count = rng.poisson(org.spec.alertsPerRepoYear * ctx.years)
  const created = Array.from({ length: count }, () => wholeSecond(org.start + rng.float() * (org.now - org.start))).sort((a, b) => a - b)
  return created.map((createdAt, i) => {
    const severity = rng.weighted(SEVERITIES)
    const dismissed = rng.chance(0.12)
    const closedAt = wholeSecond(createdAt + Math.max(0.02, rng.lognormal(dismissed ? 5 : MEDIAN_DAYS_TO_FIX[severity], 0.9)) * DAY)
    const closed = closedAt < org.now
    return {
      source: 'github',
      external_id: `demo:alert:${repo.fullName}:${i + 1}`,
      number: i + 1,
      state: closed ? (dismissed ? 'dismissed' : 'fixed') : 'open',
      severity,
      package: rng.pick(PACKAGES),
      created_at: new Date(createdAt),
      fixed_at: closed && !dismissed ? new Date(closedAt) : null,
      dismissed_at: closed && dismissed ? new Date(closedAt) : null,
      url: null,
      updated_at: new Date(closed ? closedAt : createdAt),
    }
  })
}

/** The month index from which a setting is on: from the start, from a later month, or never. */
function switchedOnFrom(ctx: RepoContext, months: number, fromStart: number, later: number): number {
  const x = ctx.rng.float()
  if (x < fromStart) return 0
  if (x < fromStart + later) return ctx.rng.int(1, Math.max(1, months - 1))
  return Infinity
}

/**
 * One observation per month (the 1st, 00:00 UTC): Dependabot alerts on for most repositories,
 * code scanning for fewer, and platform adoption ('yes') spreading over the window.
 * Also returns whether the repository has adopted the paved road by `now` (its topic).
 */
export function planObservations(ctx: RepoContext): { rows: ObservationRow[]; adopted: boolean } {
  const months = monthStarts(ctx.org.start, ctx.org.now + 1)
  const dependabot = switchedOnFrom(ctx, months.length, 0.8, 0.12)
  const scanning = switchedOnFrom(ctx, months.length, 0.45, 0.35)
  const adoption = switchedOnFrom(ctx, months.length, 0.15, 0.55)
  const scanningUnknown = ctx.rng.chance(0.04)
  const state = (on: boolean): Tristate => (on ? 'enabled' : 'disabled')
  const rows = months.map((t, i) => ({
    observed_on: isoDate(t),
    archived: false,
    dependabot_alerts: state(i >= dependabot),
    code_scanning: scanningUnknown ? ('unknown' as const) : state(i >= scanning),
    adoption: i >= adoption ? ('yes' as const) : ('no' as const),
  }))
  return { rows, adopted: months.length - 1 >= adoption }
}
