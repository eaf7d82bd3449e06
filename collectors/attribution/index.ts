/**
 * Attribution (DESIGN §4): which deployment shipped each change, which deployments failed and
 * what remediated them, and which deployment caused each incident.
 */
export { recomputeAttribution, recomputeService, type RecomputeOptions, type RecomputeResult, type ServiceResult } from './recompute.ts'
export { attributeIncidents, type IncidentAttributionResult, type IncidentSelection } from './attribute-incidents.ts'
export { deploymentRework, incidentLinkCoverage, classifyChange, loadIncidentIssues, type ReworkFlags } from './rework.ts'
export { CommitGraph, type GraphCommit } from './commit-graph.ts'
export { Catalog, repoPatternMatches, serviceOfRepo } from './catalog.ts'
export { shipChanges, unknownDeployedShas } from './ship-changes.ts'
export { detectRollbacks } from './rollbacks.ts'
export { ChangeIndex, revertFailures, hotfixFailures, incidentHotfixFailures } from './reverts-hotfixes.ts'
export { attributeIncident, explicitCauses, latestInWindow, type AttrIncident, type IncidentLookups } from './incident-links.ts'
export * from './references.ts'
export * from './types.ts'
