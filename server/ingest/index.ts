/** The generic ingest API's writes: deployments, incidents and SLI samples from any CI, incident tool or metrics system. */
export { ingestDeployments, ingestIncidents, ingestSlis, isProductionEnvironment, INGEST_SOURCE, type IngestContext } from './write.ts'
export { deploymentProblems, incidentProblems, sliProblems, schemaProblems, fieldPath, describeProblems, type FieldProblem } from './validate.ts'
