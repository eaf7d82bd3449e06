import { type Kysely, sql } from 'kysely'

/**
 * Pull requests with the timestamps lead time is built from. `revert_of_*` is filled when the
 * title is `Revert "…"` or the body says `Reverts owner/repo#N`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pull_request')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repository.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('author', 'text')
    .addColumn('author_is_bot', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'closed', 'merged')`))
    .addColumn('base_branch', 'text', (c) => c.notNull())
    .addColumn('labels', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('first_commit_at', 'timestamptz')
    .addColumn('first_review_at', 'timestamptz')
    .addColumn('first_reviewer', 'text')
    .addColumn('merged_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('merge_commit_sha', 'text')
    .addColumn('revert_of_repo', 'text')
    .addColumn('revert_of_number', 'integer')
    .addColumn('additions', 'integer')
    .addColumn('deletions', 'integer')
    .addColumn('url', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('pull_request_source_external_id_key', ['source', 'external_id'])
    .addUniqueConstraint('pull_request_repo_number_key', ['repo_id', 'number'])
    .execute()
  await db.schema.createIndex('pull_request_merged_at_idx').on('pull_request').columns(['repo_id', 'merged_at']).execute()
  await db.schema.createIndex('pull_request_merge_commit_idx').on('pull_request').columns(['repo_id', 'merge_commit_sha']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pull_request').execute()
}
