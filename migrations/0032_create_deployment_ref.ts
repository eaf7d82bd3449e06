import { type Kysely, sql } from 'kysely'

/**
 * What a deployment names as shipped (POST /api/deployments `pull_requests` and `commits`), and
 * `explicit` as a `deployment_change` method: attribution links those changes to the deployment.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deployment_ref')
    .addColumn('deployment_id', 'integer', (c) => c.notNull().references('deployment.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('pull_request', 'commit')`))
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('deployment_ref_pkey', ['deployment_id', 'kind', 'value'])
    .execute()
  await db.schema.alterTable('deployment_change').dropConstraint('deployment_change_method_check').execute()
  await db.schema
    .alterTable('deployment_change')
    .addCheckConstraint('deployment_change_method_check', sql`method in ('sha', 'time', 'explicit')`)
    .execute()
}

/** Explicit links are dropped (the next attribution run ships those changes by SHA or time). */
export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('deployment_change').where('method', '=', 'explicit').execute()
  await db.schema.alterTable('deployment_change').dropConstraint('deployment_change_method_check').execute()
  await db.schema.alterTable('deployment_change').addCheckConstraint('deployment_change_method_check', sql`method in ('sha', 'time')`).execute()
  await db.schema.dropTable('deployment_ref').execute()
}
