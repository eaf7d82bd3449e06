import type { Insertable, Kysely } from 'kysely'
import type { Database, DeploymentStatusTable, DeploymentTable } from '../../../server/db/schema.ts'
import { SOURCE_KEY, idsByExternalId, upsertRows } from './upsert.ts'

/**
 * Inserts or updates deployments by (source, external_id); returns external_id → id.
 * `status` and `finished_at` come from the first terminal status: once a deployment has a
 * status, a later write never changes either (nor an already known `started_at`).
 */
export async function upsertDeployments(db: Kysely<Database>, rows: readonly Insertable<DeploymentTable>[]): Promise<Map<string, number>> {
  const written = await upsertRows(
    db,
    {
      table: 'deployment',
      key: SOURCE_KEY,
      keep: ['status', 'finished_at', 'started_at'],
      set: (eb) => ({
        status: eb.fn.coalesce('deployment.status', 'excluded.status'),
        finished_at: eb.case().when('deployment.status', 'is', null).then(eb.ref('excluded.finished_at')).else(eb.ref('deployment.finished_at')).end(),
        started_at: eb.fn.coalesce('deployment.started_at', 'excluded.started_at'),
      }),
    },
    rows,
    ['id', 'external_id'],
  )
  return idsByExternalId(written)
}

/** Stores deployment statuses, keyed by (deployment_id, external_id); a status already stored is kept. */
export async function insertDeploymentStatuses(db: Kysely<Database>, rows: readonly Insertable<DeploymentStatusTable>[]): Promise<number> {
  await upsertRows(db, { table: 'deployment_status', key: ['deployment_id', 'external_id'], onConflict: 'ignore' }, rows)
  return rows.length
}
