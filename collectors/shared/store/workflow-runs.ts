import type { Insertable, Kysely } from 'kysely'
import type { Database, WorkflowRunTable } from '../../../server/db/schema.ts'
import { SOURCE_KEY, upsertRows } from './upsert.ts'

/** Inserts or updates workflow runs by (source, external_id); returns the number of rows given. */
export async function upsertWorkflowRuns(db: Kysely<Database>, rows: readonly Insertable<WorkflowRunTable>[]): Promise<number> {
  await upsertRows(db, { table: 'workflow_run', key: SOURCE_KEY }, rows)
  return rows.length
}
