import { type Kysely, sql } from 'kysely'

/**
 * Publishing KPI values with the data they come from. The data version moves from a sequence to
 * one row, so that a collect can bump it and store the values it precomputed for the new version
 * in the same transaction: the server never sees the new version without its values, and never
 * waits seconds recomputing the organisation's KPIs right after a collect finishes.
 *
 * kpi_value_cache: per (KPI × scope × range) key, the values computed for one data version, with a
 * fingerprint of everything else they depend on (definition, resolved scope, timezone, code).
 * kpi_hot_key: the keys the server was asked for lately — what a finishing collect precomputes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('data_version_state')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute()
  await sql`insert into data_version_state (id, version) select true, case when is_called then last_value else 0 end from data_version`.execute(db)
  await sql`drop sequence data_version`.execute(db)

  await db.schema
    .createTable('kpi_value_cache')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('values', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('kpi_hot_key')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kpi_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('range_start', 'timestamptz', (c) => c.notNull())
    .addColumn('range_end', 'timestamptz', (c) => c.notNull())
    .addColumn('last_used_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('kpi_hot_key_last_used_idx').on('kpi_hot_key').column('last_used_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('kpi_hot_key').execute()
  await db.schema.dropTable('kpi_value_cache').execute()
  await sql`create sequence data_version`.execute(db)
  await sql`select setval('data_version', greatest(version, 1), version > 0) from data_version_state`.execute(db)
  await db.schema.dropTable('data_version_state').execute()
}
