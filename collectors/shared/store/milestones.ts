import type { Insertable, Kysely } from 'kysely'
import type { Database, MilestoneTable } from '../../../server/db/schema.ts'
import { SOURCE_KEY, idsByExternalId, upsertRows } from './upsert.ts'

/** Inserts or updates milestones by (source, external_id); returns external_id → id. */
export async function upsertMilestones(db: Kysely<Database>, rows: readonly Insertable<MilestoneTable>[]): Promise<Map<string, number>> {
  return idsByExternalId(await upsertRows(db, { table: 'milestone', key: SOURCE_KEY }, rows, ['id', 'external_id']))
}
