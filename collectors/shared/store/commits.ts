import type { Insertable, Kysely } from 'kysely'
import type { CommitTable, Database } from '../../../server/db/schema.ts'
import { upsertRows } from './upsert.ts'

/**
 * Stores default-branch commits, keyed by (repo_id, sha); a commit already stored is left as
 * it is, since a SHA names immutable content. Returns the number of rows given.
 */
export async function insertCommits(db: Kysely<Database>, rows: readonly Insertable<CommitTable>[]): Promise<number> {
  await upsertRows(db, { table: 'commit', key: ['repo_id', 'sha'], onConflict: 'ignore', stamp: null }, rows)
  return rows.length
}
