/** incident.io (API v2) → incident rows. */
export { collectIncidentIo, PAGE_SIZE, type IncidentIoCursor } from './collect.ts'
export { incidentFromIncidentIo, incidentIoSeverity, incidentIoResolvedAt, severityByRank, isCounted, EXCLUDED_CATEGORIES, EXCLUDED_MODES, type IoIncident } from './mappers.ts'
