import type { Insertable, Kysely } from 'kysely'
import type { Database, RepositoryObservationTable } from '../../../server/db/schema.ts'
import { upsertRows } from './upsert.ts'

/** Inserts or updates what repositories looked like on a day, keyed by (repo_id, observed_on). */
export async function upsertRepositoryObservations(db: Kysely<Database>, rows: readonly Insertable<RepositoryObservationTable>[]): Promise<number> {
  await upsertRows(db, { table: 'repository_observation', key: ['repo_id', 'observed_on'] }, rows)
  return rows.length
}
