import { type Kysely, sql } from 'kysely'

/** Which deployment shipped a change (each PR at most once), and how that was decided. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deployment_change')
    .addColumn('pull_request_id', 'integer', (c) => c.primaryKey().references('pull_request.id').onDelete('cascade'))
    .addColumn('deployment_id', 'integer', (c) => c.notNull().references('deployment.id').onDelete('cascade'))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('sha', 'time')`))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('deployment_change_deployment_idx').on('deployment_change').column('deployment_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deployment_change').execute()
}
