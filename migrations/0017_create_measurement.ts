import { type Kysely, sql } from 'kysely'

/**
 * Entered KPI values per period and scope, and every correction made to them (who, when, old → new).
 * `components` keeps the inputs of derived values, e.g. spend and budget.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('measurement')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('kpi_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('period_start', 'date', (c) => c.notNull())
    .addColumn('period_end', 'date', (c) => c.notNull())
    .addColumn('value', 'float8', (c) => c.notNull())
    .addColumn('components', 'jsonb')
    .addColumn('note', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('entered_by', 'text', (c) => c.notNull())
    .addColumn('entered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('measurement_kpi_scope_period_key', ['kpi_id', 'scope', 'period_start', 'period_end'])
    .execute()
  await db.schema
    .createTable('measurement_history')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('measurement_id', 'integer', (c) => c.notNull().references('measurement.id').onDelete('cascade'))
    .addColumn('value_before', 'float8')
    .addColumn('value_after', 'float8', (c) => c.notNull())
    .addColumn('components_before', 'jsonb')
    .addColumn('components_after', 'jsonb')
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('source', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('measurement_history').execute()
  await db.schema.dropTable('measurement').execute()
}
