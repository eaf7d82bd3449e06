import type { Insertable, Kysely } from 'kysely'
import type { Database, PullRequestTable } from '../../../server/db/schema.ts'
import { SOURCE_KEY, idsByExternalId, upsertRows } from './upsert.ts'

/** Inserts or updates pull requests by (source, external_id); returns external_id → id. */
export async function upsertPullRequests(db: Kysely<Database>, rows: readonly Insertable<PullRequestTable>[]): Promise<Map<string, number>> {
  return idsByExternalId(await upsertRows(db, { table: 'pull_request', key: SOURCE_KEY }, rows, ['id', 'external_id']))
}
