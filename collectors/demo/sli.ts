import type { Insertable } from 'kysely'
import type { Severity, SliSampleTable } from '../../server/db/schema.ts'
import type { RepoContext } from './model.ts'
import type { SloPlan } from './org-plan.ts'
import { HOUR, dayStart } from './time.ts'

/** Share of events that go bad while an incident of each severity is open. */
const INCIDENT_BAD_SHARE: Partial<Record<Severity, number>> = { sev1: 0.12, sev2: 0.04, sev3: 0.008 }

/** Relative traffic by hour of day (UTC): quiet at night, a peak in the afternoon. */
const diurnal = (hour: number) => 0.55 + 0.45 * Math.sin(((hour - 8) / 24) * 2 * Math.PI) + 0.15

/**
 * Hourly good/total event counts for the SLOs of this repository's service over the window:
 * a small background of bad events, and bad hours while sev1–sev3 incidents of the service are open.
 */
export function planSliSamples(ctx: RepoContext): Insertable<SliSampleTable>[] {
  const { rng, org } = ctx
  const rows: Insertable<SliSampleTable>[] = []
  for (const slo of org.slos.filter((s) => s.service === ctx.repo.name)) rows.push(...samplesFor(ctx, slo, rng))
  return rows
}

function samplesFor(ctx: RepoContext, slo: SloPlan, rng: RepoContext['rng']): Insertable<SliSampleTable>[] {
  const { org } = ctx
  const from = dayStart(org.start)
  const hours = Math.floor((org.now - from) / HOUR)
  const impact = new Float64Array(hours)
  for (const incident of ctx.incidents) {
    const share = incident.severity ? INCIDENT_BAD_SHARE[incident.severity] : undefined
    if (!share) continue
    const end = incident.resolvedAt ?? org.now
    for (let h = Math.max(0, Math.floor((incident.startedAt - from) / HOUR)); h < hours && from + h * HOUR < end; h++) {
      const hourStart = from + h * HOUR
      const overlap = (Math.min(end, hourStart + HOUR) - Math.max(incident.startedAt, hourStart)) / HOUR
      impact[h] = Math.max(impact[h]!, share * overlap)
    }
  }
  const rows: Insertable<SliSampleTable>[] = []
  for (let h = 0; h < hours; h++) {
    const start = from + h * HOUR
    const total = Math.max(100, Math.round(slo.requestsPerHour * diurnal(new Date(start).getUTCHours()) * (1 + 0.08 * rng.normal())))
    const background = (1 - slo.baseline) * rng.lognormal(1, 0.5)
    const bad = Math.min(total, Math.round(total * Math.max(background, impact[h]!)))
    rows.push({ source: 'demo', slo_id: slo.id, service: slo.service, interval_start: new Date(start), interval_end: new Date(start + HOUR), good: total - bad, total })
  }
  return rows
}
