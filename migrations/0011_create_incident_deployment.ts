import { type Kysely, sql } from 'kysely'

/** The deployment an incident is attributed to (at most one), explicitly or by time window. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incident_deployment')
    .addColumn('incident_id', 'integer', (c) => c.primaryKey().references('incident.id').onDelete('cascade'))
    .addColumn('deployment_id', 'integer', (c) => c.notNull().references('deployment.id').onDelete('cascade'))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('explicit', 'window')`))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('incident_deployment_deployment_idx').on('incident_deployment').column('deployment_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('incident_deployment').execute()
}
