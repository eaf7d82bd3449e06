import { type Kysely, sql } from 'kysely'

/**
 * A change to a service in an environment. `status` and `finished_at` come from the first
 * terminal status and are never overwritten by a later one; both are null while none is known.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deployment')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('source', 'text', (c) =>
      c.notNull().check(sql`source in ('github_deployment', 'workflow_run', 'release', 'api', 'webhook')`),
    )
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('repo_id', 'integer', (c) => c.references('repository.id').onDelete('cascade'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('is_production', 'boolean', (c) => c.notNull())
    .addColumn('sha', 'text')
    .addColumn('ref', 'text')
    .addColumn('status', 'text', (c) => c.check(sql`status in ('success', 'failure')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('creator', 'text')
    .addColumn('url', 'text')
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('deployment_source_external_id_key', ['source', 'external_id'])
    .execute()
  await db.schema
    .createIndex('deployment_service_finished_idx')
    .on('deployment')
    .columns(['service', 'finished_at'])
    .where(sql.ref('is_production'), '=', true)
    .execute()
  await db.schema.createIndex('deployment_repo_idx').on('deployment').columns(['repo_id', 'finished_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deployment').execute()
}
