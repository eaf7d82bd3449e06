import { type Kysely, sql } from 'kysely'

/** Every status a deployment was seen with, kept because GitHub deletes statuses after 90 days. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deployment_status')
    .addColumn('deployment_id', 'integer', (c) => c.notNull().references('deployment.id').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('log_url', 'text')
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deployment_status_pkey', ['deployment_id', 'external_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deployment_status').execute()
}
