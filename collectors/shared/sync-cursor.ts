import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { Database } from '../../server/db/schema.ts'

/**
 * Stores `source`/`scope`'s cursor mid-run, without marking the sync succeeded. Call in the
 * transaction that committed the rows the cursor moves past, so a crash never skips rows.
 */
export async function saveSyncCursor(db: Kysely<Database>, source: string, scope: string, cursor: unknown): Promise<void> {
  const value = cursor === undefined ? null : JSON.stringify(cursor)
  await db
    .insertInto('sync_state')
    .values({ source, scope, cursor: value, updated_at: sql<Date>`now()` })
    .onConflict((oc) => oc.columns(['source', 'scope']).doUpdateSet((eb) => ({ cursor: eb.ref('excluded.cursor'), updated_at: eb.ref('excluded.updated_at') })))
    .execute()
}

/** The stored cursor of `source`/`scope` as JSON, or undefined when none. */
export async function loadSyncCursor<T>(db: Kysely<Database>, source: string, scope: string): Promise<T | undefined> {
  const row = await db.selectFrom('sync_state').select('cursor').where('source', '=', source).where('scope', '=', scope).executeTakeFirst()
  if (!row || row.cursor === null || row.cursor === undefined) return undefined
  return (typeof row.cursor === 'string' ? JSON.parse(row.cursor) : row.cursor) as T
}
