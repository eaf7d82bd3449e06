import { type Kysely, sql } from 'kysely'

/**
 * Why a deployment counts as failed (rollback, revert, hotfix or incident), with the deployment
 * that remediated it when there is one. `cause_key` tells several causes of one kind apart.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deployment_failure')
    .addColumn('deployment_id', 'integer', (c) => c.notNull().references('deployment.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('rollback', 'revert', 'hotfix', 'incident')`))
    .addColumn('cause_key', 'text', (c) => c.notNull())
    .addColumn('remediation_deployment_id', 'integer', (c) => c.references('deployment.id').onDelete('set null'))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('deployment_failure_pkey', ['deployment_id', 'reason', 'cause_key'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deployment_failure').execute()
}
