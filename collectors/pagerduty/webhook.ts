import type { Kysely } from 'kysely'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { recordAudit } from '../../server/repositories/audit.repository.ts'
import { inTransaction } from '../shared/transaction.ts'
import { type IncidentRow, storeIncidents } from '../shared/incident-common.ts'
import { type PdIncident, SOURCE, incidentFromPagerDuty } from './mappers.ts'

/** The v3 webhook events that change an incident Meridian stores; others are acknowledged and ignored. */
export const PAGERDUTY_INCIDENT_EVENTS = ['incident.triggered', 'incident.acknowledged', 'incident.resolved', 'incident.reopened', 'incident.priority_updated'] as const

/** The actor webhook writes are audited as. */
export const PAGERDUTY_WEBHOOK_ACTOR = 'webhook:pagerduty'

/** A v3 webhook body's `event`. */
export interface PdWebhookEvent {
  id: string
  event_type: string
  occurred_at: string
  data: Record<string, unknown>
}

export const isIncidentEvent = (eventType: string): boolean => (PAGERDUTY_INCIDENT_EVENTS as readonly string[]).includes(eventType)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isDateTime = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))

/** What is wrong with an incident event's `data` (empty when it can be stored), fields named from the body. */
export function webhookIncidentProblems(data: Record<string, unknown>): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = []
  const at = (f: string) => `body.event.data.${f}`
  if (typeof data.id !== 'string' || data.id === '') problems.push({ field: at('id'), message: 'must be the incident id' })
  if (!isDateTime(data.created_at)) problems.push({ field: at('created_at'), message: 'must be a date-time' })
  if (data.title !== undefined && typeof data.title !== 'string') problems.push({ field: at('title'), message: 'must be a string' })
  if (data.status !== undefined && !['triggered', 'acknowledged', 'resolved'].includes(data.status as string)) problems.push({ field: at('status'), message: 'must be triggered, acknowledged or resolved' })
  if (data.urgency !== undefined && typeof data.urgency !== 'string') problems.push({ field: at('urgency'), message: 'must be a string' })
  if (data.number !== undefined && !Number.isInteger(data.number)) problems.push({ field: at('number'), message: 'must be an integer' })
  if (data.incident_key !== undefined && data.incident_key !== null && typeof data.incident_key !== 'string') problems.push({ field: at('incident_key'), message: 'must be a string or null' })
  if (data.html_url !== undefined && typeof data.html_url !== 'string') problems.push({ field: at('html_url'), message: 'must be a string' })
  if (data.service !== undefined && data.service !== null && !(isObject(data.service) && typeof data.service.id === 'string')) problems.push({ field: at('service'), message: 'must be a service reference with an id' })
  if (data.priority !== undefined && data.priority !== null && !(isObject(data.priority) && (typeof data.priority.summary === 'string' || typeof data.priority.name === 'string'))) {
    problems.push({ field: at('priority'), message: 'must be null or a priority reference with a summary' })
  }
  return problems
}

/**
 * The incident row an event implies, through the same mapper as polling. The event tells only
 * what it is about: an acknowledgement's or resolution's time is the event's `occurred_at`;
 * columns it cannot know are left out, so the stored values stay.
 */
export function incidentFromWebhook(event: PdWebhookEvent, config: AppConfig): IncidentRow {
  const d = event.data
  const incident: PdIncident = {
    id: d.id as string,
    incident_number: d.number as number | undefined,
    title: d.title as string | undefined,
    status: d.status as string | undefined,
    urgency: d.urgency as string | undefined,
    priority: (d.priority ?? null) as PdIncident['priority'],
    service: (d.service ?? null) as PdIncident['service'],
    created_at: d.created_at as string,
    updated_at: event.occurred_at,
    incident_key: (d.incident_key ?? null) as string | null,
    html_url: d.html_url as string | undefined,
  }
  if (event.event_type === 'incident.reopened' && incident.status === 'resolved') incident.status = 'triggered'
  const row: IncidentRow = { ...incidentFromPagerDuty(incident, config) }
  const occurred = new Date(event.occurred_at)
  if (event.event_type === 'incident.acknowledged') row.acknowledged_at = occurred
  else delete row.acknowledged_at
  if (event.event_type === 'incident.resolved') {
    row.status = 'resolved'
    row.resolved_at = occurred
  } else if (incident.status === 'resolved') delete row.resolved_at
  else row.resolved_at = null
  if (incident.status === undefined && event.event_type !== 'incident.resolved') delete row.status
  return row
}

/** Stores the incident an event describes, with its audit entry, in one transaction; returns its id. */
export async function applyPagerDutyEvent(
  db: Kysely<Database>,
  config: AppConfig,
  event: PdWebhookEvent,
  ctx: { requestId?: string; ip?: string; now?: Date },
): Promise<{ incidentId: number; row: IncidentRow }> {
  const row = incidentFromWebhook(event, config)
  return inTransaction(db, async (trx) => {
    const before = await trx
      .selectFrom('incident')
      .select(['status', 'severity', 'acknowledged_at', 'resolved_at', 'service', 'team_id'])
      .where('source', '=', SOURCE)
      .where('external_id', '=', row.external_id)
      .executeTakeFirst()
    const ids = await storeIncidents(trx, [row])
    const incidentId = ids.get(row.external_id)!
    await recordAudit(trx, {
      actor: PAGERDUTY_WEBHOOK_ACTOR,
      action: `pagerduty.${event.event_type}`,
      targetType: 'incident',
      targetId: String(incidentId),
      before: before ?? null,
      after: { ...row, pagerDutyEventId: event.id },
      requestId: ctx.requestId ?? null,
      ip: ctx.ip ?? null,
      at: ctx.now,
    })
    return { incidentId, row }
  })
}
