/** Opsgenie (legacy; support ends 2027-04-05) → incident rows. Small and optional. */
export { collectOpsgenie, PAGE_LIMIT, type OpsgenieCursor } from './collect.ts'
export { incidentFromOpsgenie, resolvedAtFromLogs, OPSGENIE_SEVERITY, type OgIncident } from './mappers.ts'
