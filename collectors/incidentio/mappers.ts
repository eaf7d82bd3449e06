import type { AppConfig } from '../../server/config/app-config.ts'
import type { Severity } from '../../server/db/schema.ts'
import { type IncidentRow, SEVERITIES, lookupSeverity, rootCauseKey, teamOfService, toDate } from '../shared/incident-common.ts'

export const SOURCE = 'incidentio'

/** The fields of an incident.io `IncidentV2` Meridian reads. */
export interface IoIncident {
  id: string
  reference?: string
  name: string
  mode?: 'standard' | 'retrospective' | 'test' | 'tutorial' | string
  permalink?: string
  created_at: string
  updated_at?: string
  severity?: { id?: string; name: string; rank: number } | null
  incident_status: { category: string; name?: string }
  incident_type?: { name?: string } | null
  incident_timestamp_values?: {
    incident_timestamp: { id?: string; name?: string; set_on_resolution?: boolean; set_on_acceptance?: boolean }
    value?: { value?: string } | null
  }[]
  duration_metrics?: { duration_metric: { id?: string; name?: string }; value_seconds?: number | null }[]
  custom_field_entries?: {
    custom_field: { name?: string }
    values?: { value_text?: string; value_option?: { value?: string }; value_catalog_entry?: { id?: string; name?: string } }[]
  }[]
}

/** Status categories and modes that are not real incidents: never counted, removed if stored before. */
export const EXCLUDED_CATEGORIES: readonly string[] = ['declined', 'canceled', 'merged']
export const EXCLUDED_MODES: readonly string[] = ['test', 'tutorial']
const RESOLVED_CATEGORIES = ['learning', 'closed']

export const isCounted = (i: Pick<IoIncident, 'incident_status' | 'mode'>): boolean =>
  !EXCLUDED_CATEGORIES.includes(i.incident_status.category) && !EXCLUDED_MODES.includes(i.mode ?? 'standard')

/** rank → severity: the organisation's highest rank is sev1, the next sev2, …; ranks beyond the fifth are sev5. */
export function severityByRank(ranks: readonly number[]): Map<number, Severity> {
  const distinct = [...new Set(ranks)].sort((a, b) => b - a)
  return new Map(distinct.map((rank, i) => [rank, SEVERITIES[Math.min(i, SEVERITIES.length - 1)]!]))
}

/** Severity through the configured `severity` map by name, else by rank among the organisation's severities. */
export function incidentIoSeverity(severity: IoIncident['severity'], map: Readonly<Record<string, string>> | undefined, byRank: ReadonlyMap<number, Severity>): Severity | null {
  if (!severity) return null
  if (map && Object.keys(map).length > 0) return lookupSeverity(map, severity.name)
  return byRank.get(severity.rank) ?? null
}

/** Resolved time: the timestamp set on resolution, else `created_at` + a resolution duration metric; null while unresolved. */
export function incidentIoResolvedAt(i: IoIncident): Date | null {
  if (!RESOLVED_CATEGORIES.includes(i.incident_status.category)) return null
  const values = i.incident_timestamp_values ?? []
  const stamped =
    values.find((v) => v.incident_timestamp.set_on_resolution === true && v.value?.value) ?? values.find((v) => /resolv/i.test(v.incident_timestamp.name ?? '') && v.value?.value)
  if (stamped) return toDate(stamped.value!.value)
  const metric = (i.duration_metrics ?? []).find((m) => /resol|duration/i.test(m.duration_metric.name ?? '') && typeof m.value_seconds === 'number')
  return metric ? new Date(Date.parse(i.created_at) + metric.value_seconds! * 1000) : null
}

function acceptedAt(i: IoIncident): Date | null {
  const v = (i.incident_timestamp_values ?? []).find((t) => t.incident_timestamp.set_on_acceptance === true && t.value?.value)
  return v ? toDate(v.value!.value) : null
}

/** Text values of the custom fields whose name matches. */
function fieldValues(i: IoIncident, name: RegExp): string[] {
  return (i.custom_field_entries ?? [])
    .filter((e) => name.test(e.custom_field.name ?? ''))
    .flatMap((e) => (e.values ?? []).map((v) => v.value_catalog_entry?.name ?? v.value_option?.value ?? v.value_text ?? ''))
    .filter((v) => v !== '')
}

/** The first custom-field value (catalog entry, option or text) the `services` map knows. */
function serviceOf(i: IoIncident, services: Readonly<Record<string, string>>): string | null {
  for (const e of i.custom_field_entries ?? []) {
    for (const v of e.values ?? []) {
      for (const key of [v.value_catalog_entry?.id, v.value_catalog_entry?.name, v.value_option?.value, v.value_text]) {
        if (key && services[key]) return services[key]!
      }
    }
  }
  return null
}

/** The incident row of a counted incident.io incident. */
export function incidentFromIncidentIo(i: IoIncident, config: AppConfig, byRank: ReadonlyMap<number, Severity>): IncidentRow {
  const io = config.sources.incidentio
  const service = serviceOf(i, io?.services ?? {})
  return {
    source: SOURCE,
    external_id: i.id,
    reference: i.reference ?? null,
    service,
    team_id: teamOfService(service, config),
    severity: incidentIoSeverity(i.severity, io?.severity, byRank),
    title: i.name,
    status: i.incident_status.category,
    started_at: new Date(i.created_at),
    acknowledged_at: acceptedAt(i),
    resolved_at: incidentIoResolvedAt(i),
    is_security: /secur/i.test(i.incident_type?.name ?? ''),
    root_cause_key: rootCauseKey({ explicit: fieldValues(i, /root[\s_-]*cause/i)[0], service, title: i.name }),
    labels: [...(i.severity ? [`severity:${i.severity.name}`] : []), ...(i.incident_type?.name ? [`type:${i.incident_type.name}`] : [])],
    url: i.permalink ?? null,
    updated_at: toDate(i.updated_at),
  }
}
