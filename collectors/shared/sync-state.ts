import { type Kysely, sql } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { bumpDataVersion } from '../../server/repositories/data-version.repository.ts'

const MAX_ERROR_LENGTH = 2_000

/** When a sync event happened: the given time, else the database's now(). */
const timeOf = (at: Date | undefined) => at ?? sql<Date>`now()`

/** Records that a sync of `source`/`scope` started (creating its row on first use). */
export async function markSyncStarted(db: Kysely<Database>, source: string, scope: string, at?: Date): Promise<void> {
  await db
    .insertInto('sync_state')
    .values({ source, scope, last_started_at: timeOf(at), updated_at: timeOf(at) })
    .onConflict((oc) =>
      oc.columns(['source', 'scope']).doUpdateSet((eb) => ({ last_started_at: eb.ref('excluded.last_started_at'), updated_at: eb.ref('excluded.updated_at') })),
    )
    .execute()
}

/**
 * Records a successful sync: the cursor to resume from (call only once its rows are committed),
 * how many rows it wrote and how many requests it made.
 */
export async function markSyncSucceeded(
  db: Kysely<Database>,
  source: string,
  scope: string,
  result: { cursor: unknown; rowsWritten?: number; requestCount?: number; at?: Date; changed?: boolean },
): Promise<void> {
  const values = {
    cursor: result.cursor === undefined ? null : JSON.stringify(result.cursor),
    last_success_at: timeOf(result.at),
    rows_written: result.rowsWritten ?? 0,
    request_count: result.requestCount ?? 0,
    updated_at: timeOf(result.at),
  }
  await db
    .insertInto('sync_state')
    .values({ source, scope, ...values })
    .onConflict((oc) =>
      oc.columns(['source', 'scope']).doUpdateSet((eb) => ({
        cursor: eb.ref('excluded.cursor'),
        last_success_at: eb.ref('excluded.last_success_at'),
        rows_written: eb.ref('excluded.rows_written'),
        request_count: eb.ref('excluded.request_count'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute()
  // Rows written (or a derived change, e.g. attribution) make cached KPI values outdated; a run
  // that wrote nothing leaves them valid, so a quiet incremental collect causes no recomputation.
  if (!db.isTransaction && (result.changed ?? (result.rowsWritten ?? 1) > 0)) await bumpDataVersion(db)
}

/** Records a failed sync with its error message (the cursor stays where the last success left it). */
export async function markSyncFailed(db: Kysely<Database>, source: string, scope: string, message: string, at?: Date): Promise<void> {
  await db
    .insertInto('sync_state')
    .values({ source, scope, last_error: message.slice(0, MAX_ERROR_LENGTH), last_error_at: timeOf(at), updated_at: timeOf(at) })
    .onConflict((oc) =>
      oc.columns(['source', 'scope']).doUpdateSet((eb) => ({
        last_error: eb.ref('excluded.last_error'),
        last_error_at: eb.ref('excluded.last_error_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute()
  // A finished run (even a failed one may have committed pages) makes cached KPI values outdated.
  if (!db.isTransaction) await bumpDataVersion(db)
}

/** The sync state of `source`/`scope` (cursor parsed), or undefined when it never ran. */
export async function getSyncState(db: Kysely<Database>, source: string, scope: string) {
  return db.selectFrom('sync_state').selectAll().where('source', '=', source).where('scope', '=', scope).executeTakeFirst()
}
