import type { AppConfig } from '../../server/config/app-config.ts'
import type { Severity } from '../../server/db/schema.ts'
import { type IncidentRow, lookupSeverity, rootCauseKey, teamOfService, toDate } from '../shared/incident-common.ts'

export const SOURCE = 'opsgenie'

/** The fields of an Opsgenie incident (`GET /v1/incidents`) Meridian reads. */
export interface OgIncident {
  id: string
  tinyId?: string
  message: string
  status: 'open' | 'resolved' | 'closed' | string
  priority?: string
  createdAt: string
  updatedAt?: string
  impactedServices?: string[]
  tags?: string[]
  extraProperties?: Record<string, string>
  links?: { web?: string }
}

export const OPSGENIE_SEVERITY: Readonly<Record<string, Severity>> = { P1: 'sev1', P2: 'sev2', P3: 'sev3', P4: 'sev4', P5: 'sev5' }

export const isResolved = (i: Pick<OgIncident, 'status'>): boolean => i.status === 'resolved' || i.status === 'closed'

/** The incident row; `resolvedAt` comes from the incident's log (or its updatedAt once resolved). */
export function incidentFromOpsgenie(i: OgIncident, config: AppConfig, resolvedAt: Date | null): IncidentRow {
  const og = config.sources.opsgenie
  const services = og?.services ?? {}
  const service = (i.impactedServices ?? []).map((id) => services[id]).find((s) => s !== undefined) ?? null
  const tags = i.tags ?? []
  const explicit = i.extraProperties?.root_cause ?? tags.find((t) => t.toLowerCase().startsWith('root-cause:'))?.slice('root-cause:'.length)
  return {
    source: SOURCE,
    external_id: i.id,
    reference: i.tinyId ? `#${i.tinyId}` : null,
    service,
    team_id: teamOfService(service, config),
    severity: lookupSeverity({ ...OPSGENIE_SEVERITY, ...og?.severity }, i.priority),
    title: i.message,
    status: i.status,
    started_at: new Date(i.createdAt),
    resolved_at: isResolved(i) ? resolvedAt : null,
    is_security: tags.some((t) => /secur/i.test(t)),
    root_cause_key: rootCauseKey({ explicit, service, title: i.message }),
    labels: tags,
    url: i.links?.web ?? null,
    updated_at: toDate(i.updatedAt),
  }
}

/** The time of the first log entry saying the incident was resolved or closed, else null. */
export function resolvedAtFromLogs(logs: readonly { log: string; createdAt: string }[]): Date | null {
  const hit = [...logs].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt)).find((l) => /\b(resolved|closed)\b/i.test(l.log))
  return hit ? toDate(hit.createdAt) : null
}
