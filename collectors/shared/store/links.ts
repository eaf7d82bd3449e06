import type { Insertable, Kysely } from 'kysely'
import type { Database, DeploymentChangeTable, DeploymentFailureTable, IncidentDeploymentTable } from '../../../server/db/schema.ts'
import { upsertRows } from './upsert.ts'

/**
 * Records which deployment shipped each pull request (one per PR). A link that changes is
 * replaced and re-stamped; an identical one is left as it is, `linked_at` included.
 */
export async function upsertDeploymentChanges(db: Kysely<Database>, rows: readonly Insertable<DeploymentChangeTable>[]): Promise<number> {
  await upsertRows(db, { table: 'deployment_change', key: ['pull_request_id'], stamp: 'linked_at', whenChanged: ['deployment_id', 'method'] }, rows)
  return rows.length
}

/** Records the deployment each incident is attributed to (one per incident); same rules as upsertDeploymentChanges. */
export async function upsertIncidentDeployments(db: Kysely<Database>, rows: readonly Insertable<IncidentDeploymentTable>[]): Promise<number> {
  await upsertRows(db, { table: 'incident_deployment', key: ['incident_id'], stamp: 'linked_at', whenChanged: ['deployment_id', 'method'] }, rows)
  return rows.length
}

/**
 * Records why deployments failed, keyed by (deployment_id, reason, cause_key); a known cause
 * only updates its remediating deployment, and only when that changed.
 */
export async function upsertDeploymentFailures(db: Kysely<Database>, rows: readonly Insertable<DeploymentFailureTable>[]): Promise<number> {
  await upsertRows(
    db,
    { table: 'deployment_failure', key: ['deployment_id', 'reason', 'cause_key'], stamp: 'linked_at', whenChanged: ['remediation_deployment_id'] },
    rows,
  )
  return rows.length
}
