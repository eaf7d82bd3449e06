import { type Kysely, sql } from 'kysely'

/**
 * A counter bumped after every committed write that can change a KPI (a collect finishing, an
 * ingest or webhook write, an entered measurement, the demo). A sequence, not a row, so writers
 * in parallel never wait on each other; readers compare `last_value` to decide whether cached
 * KPI values are still current.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence data_version`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop sequence data_version`.execute(db)
}
