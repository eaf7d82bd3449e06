/** The incident-derived availability SLI for services with no Prometheus SLI (DESIGN §4 "SLOs"). */
export { deriveIncidentSlis, syncIncidentSlis, incidentSloId, SOURCE, type DeriveOptions, type DeriveResult } from './derive.ts'
export { badMinuteIntervals, hourlyAvailability, type HourAvailability, type OpenSpan } from './availability.ts'
