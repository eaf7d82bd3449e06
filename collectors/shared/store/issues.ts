import type { Insertable, Kysely } from 'kysely'
import type { Database, IssueTable } from '../../../server/db/schema.ts'
import { SOURCE_KEY, idsByExternalId, upsertRows } from './upsert.ts'

/** Inserts or updates issues by (source, external_id); returns external_id → id. */
export async function upsertIssues(db: Kysely<Database>, rows: readonly Insertable<IssueTable>[]): Promise<Map<string, number>> {
  return idsByExternalId(await upsertRows(db, { table: 'issue', key: SOURCE_KEY }, rows, ['id', 'external_id']))
}
