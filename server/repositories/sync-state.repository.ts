import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.ts'

/** Every sync_state row, ordered by source and scope. */
export async function listSyncStates(db: Kysely<Database>) {
  return db
    .selectFrom('sync_state')
    .select(['source', 'scope', 'cursor', 'last_started_at', 'last_success_at', 'last_error', 'last_error_at', 'rows_written', 'request_count'])
    .orderBy('source')
    .orderBy('scope')
    .execute()
}

/** The demo marker row, when the demo organisation is loaded. */
export async function findDemoState(db: Kysely<Database>) {
  return db
    .selectFrom('sync_state')
    .select(['cursor', 'last_success_at'])
    .where('source', '=', 'demo')
    .where('scope', '=', 'org')
    .where('last_success_at', 'is not', null)
    .executeTakeFirst()
}

const COUNTED_TABLES = [
  'repository',
  'pull_request',
  'deployment',
  'incident',
  'issue',
  'vulnerability_alert',
  'sli_sample',
  'measurement',
] as const

/** Row counts of the fact tables, for the sources page. */
export async function countRows(db: Kysely<Database>): Promise<Record<string, number>> {
  const parts = COUNTED_TABLES.map((t) => sql<{ name: string; n: number }>`select ${t}::text as name, count(*)::int as n from ${sql.table(t)}`)
  const { rows } = await sql<{ name: string; n: number }>`${sql.join(parts, sql` union all `)}`.execute(db)
  return Object.fromEntries(rows.map((r) => [r.name, r.n]))
}

/** True when nothing has been collected or loaded yet. */
export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('repository').select('id')).as('repos'),
      eb.exists(eb.selectFrom('incident').select('id')).as('incidents'),
      eb.exists(eb.selectFrom('sync_state').select('source')).as('syncs'),
    ])
    .executeTakeFirstOrThrow()
  return !row.repos && !row.incidents && !row.syncs
}
