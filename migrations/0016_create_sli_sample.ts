import { type Kysely, sql } from 'kysely'

/** Good and total event counts per SLO and interval, from Prometheus, the ingest API or incidents. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sli_sample')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('slo_id', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('interval_start', 'timestamptz', (c) => c.notNull())
    .addColumn('interval_end', 'timestamptz', (c) => c.notNull())
    .addColumn('good', 'float8', (c) => c.notNull())
    .addColumn('total', 'float8', (c) => c.notNull())
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sli_sample_pkey', ['source', 'slo_id', 'interval_start'])
    .addCheckConstraint('sli_sample_counts_check', sql`good >= 0 and total >= good and interval_end > interval_start`)
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sli_sample').execute()
}
