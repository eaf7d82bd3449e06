import type { Insertable, Kysely } from 'kysely'
import type { Database, RepositoryTable } from '../../../server/db/schema.ts'
import { SOURCE_KEY, upsertRows } from './upsert.ts'

/** Inserts or updates repositories by (source, external_id); returns full_name → id. */
export async function upsertRepositories(db: Kysely<Database>, rows: readonly Insertable<RepositoryTable>[]): Promise<Map<string, number>> {
  const written = await upsertRows(db, { table: 'repository', key: SOURCE_KEY }, rows, ['id', 'full_name'])
  return new Map(written.map((r) => [r.full_name as string, r.id as number]))
}
