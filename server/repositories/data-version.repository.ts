import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

/**
 * Marks KPI inputs as changed. Call after the write has committed (never inside its transaction):
 * a reader that sees the new version then also sees the new rows.
 */
export async function bumpDataVersion(db: Kysely<Database>): Promise<void> {
  await sql`select nextval('data_version')`.execute(db)
}

/** The current data version: it changes whenever KPI inputs may have changed. */
export async function readDataVersion(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ last_value: string | number; is_called: boolean }>`select last_value, is_called from data_version`.execute(db)
  const r = rows[0]!
  return r.is_called ? String(r.last_value) : '0'
}
