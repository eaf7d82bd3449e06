import type { Insertable, Kysely } from 'kysely'
import type { Database, IncidentTable } from '../../../server/db/schema.ts'
import { SOURCE_KEY, idsByExternalId, upsertRows } from './upsert.ts'

/** Inserts or updates incidents by (source, external_id); returns external_id → id. */
export async function upsertIncidents(db: Kysely<Database>, rows: readonly Insertable<IncidentTable>[]): Promise<Map<string, number>> {
  return idsByExternalId(await upsertRows(db, { table: 'incident', key: SOURCE_KEY }, rows, ['id', 'external_id']))
}
