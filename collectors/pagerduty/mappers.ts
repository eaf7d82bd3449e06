import type { AppConfig } from '../../server/config/app-config.ts'
import type { Severity } from '../../server/db/schema.ts'
import { type IncidentRow, lookupSeverity, rootCauseKey, teamOfService, toDate } from '../shared/incident-common.ts'

export const SOURCE = 'pagerduty'

/** The fields of a PagerDuty incident Meridian reads (REST `Incident`, or a v3 webhook's `data` adapted to it). */
export interface PdIncident {
  id: string
  incident_number?: number
  title?: string
  summary?: string
  status?: 'triggered' | 'acknowledged' | 'resolved' | string
  urgency?: string
  priority?: { id?: string; name?: string; summary?: string } | null
  service?: { id: string; summary?: string } | null
  created_at: string
  updated_at?: string
  resolved_at?: string | null
  last_status_change_at?: string
  incident_key?: string | null
  html_url?: string
  acknowledgements?: readonly { at: string }[]
}

/** Used when `sources.pagerduty.severity` is not configured (DESIGN §6's example). */
export const DEFAULT_PD_SEVERITY: Readonly<Record<string, Severity>> = { P1: 'sev1', P2: 'sev2', P3: 'sev3', P4: 'sev4', P5: 'sev5', high: 'sev2', low: 'sev4' }

type PdConfig = NonNullable<AppConfig['sources']['pagerduty']>

/**
 * Severity through the `severity` map: the priority's entry (its name, else its summary) when
 * the incident has a priority — then the urgency is never used — else the urgency's entry.
 */
export function pagerDutySeverity(incident: Pick<PdIncident, 'priority' | 'urgency'>, map: Readonly<Record<string, string>>): Severity | null {
  const priority = incident.priority
  if (priority) return lookupSeverity(map, priority.name ?? priority.summary)
  return lookupSeverity(map, incident.urgency)
}

/** When it was resolved: `resolved_at`, or for older data `last_status_change_at` of a resolved incident. */
export function pagerDutyResolvedAt(incident: Pick<PdIncident, 'status' | 'resolved_at' | 'last_status_change_at'>): Date | null {
  if (incident.status !== 'resolved') return null
  return toDate(incident.resolved_at) ?? toDate(incident.last_status_change_at)
}

/** The first acknowledgement the list answer shows (`acknowledgements[]`, or the status change of an acknowledged incident). */
export function pagerDutyAcknowledgedAt(incident: Pick<PdIncident, 'status' | 'acknowledgements' | 'last_status_change_at'>): Date | null {
  const times = (incident.acknowledgements ?? []).map((a) => toDate(a.at)).filter((d): d is Date => d !== null)
  if (times.length > 0) return new Date(Math.min(...times.map((d) => d.getTime())))
  return incident.status === 'acknowledged' ? toDate(incident.last_status_change_at) : null
}

/** The incident row of a PagerDuty incident: service and team through the configured maps. */
export function incidentFromPagerDuty(incident: PdIncident, config: AppConfig): IncidentRow {
  const pd: Partial<PdConfig> = config.sources.pagerduty ?? {}
  const service = incident.service ? (pd.services?.[incident.service.id] ?? null) : null
  const title = incident.title ?? incident.summary ?? `PagerDuty incident ${incident.id}`
  const priority = incident.priority?.name ?? incident.priority?.summary
  return {
    source: SOURCE,
    external_id: incident.id,
    reference: incident.incident_number !== undefined ? `#${incident.incident_number}` : null,
    service,
    team_id: teamOfService(service, config),
    severity: pagerDutySeverity(incident, pd.severity ?? DEFAULT_PD_SEVERITY),
    title,
    status: incident.status ?? null,
    started_at: new Date(incident.created_at),
    acknowledged_at: pagerDutyAcknowledgedAt(incident),
    resolved_at: pagerDutyResolvedAt(incident),
    root_cause_key: rootCauseKey({ dedupKey: incident.incident_key, service, title }),
    labels: [...(priority ? [`priority:${priority}`] : []), ...(incident.urgency ? [`urgency:${incident.urgency}`] : [])],
    url: incident.html_url ?? null,
    updated_at: toDate(incident.updated_at),
  }
}
