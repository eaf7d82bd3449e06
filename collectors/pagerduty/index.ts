/** PagerDuty (REST v2 polling and v3 webhooks) → incident rows. */
export { collectPagerDuty, PAGE_LIMIT, MAX_OFFSET_PLUS_LIMIT, type PagerDutyCursor } from './collect.ts'
export { incidentFromPagerDuty, pagerDutySeverity, pagerDutyResolvedAt, pagerDutyAcknowledgedAt, DEFAULT_PD_SEVERITY, type PdIncident } from './mappers.ts'
export { applyPagerDutyEvent, incidentFromWebhook, isIncidentEvent, webhookIncidentProblems, PAGERDUTY_INCIDENT_EVENTS, PAGERDUTY_WEBHOOK_ACTOR, type PdWebhookEvent } from './webhook.ts'
export { planWindows, halve, MAX_WINDOW_MS, type Window } from './windows.ts'
export { normaliseTitle, rootCauseKey, teamOfService, type IncidentCollectOptions, type IncidentCollectReport } from '../shared/incident-common.ts'
