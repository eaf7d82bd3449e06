import { type Kysely, sql } from 'kysely'

/** CI workflow runs (build time, and deploys from Actions). A completed run ends at updated_at. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workflow_run')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repository.id').onDelete('cascade'))
    .addColumn('workflow_path', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('event', 'text')
    .addColumn('head_branch', 'text')
    .addColumn('head_sha', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('conclusion', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('run_started_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('workflow_run_source_external_id_key', ['source', 'external_id'])
    .execute()
  await db.schema.createIndex('workflow_run_repo_idx').on('workflow_run').columns(['repo_id', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('workflow_run').execute()
}
