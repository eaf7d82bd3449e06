import { type Kysely, sql } from 'kysely'

/**
 * Issues (never pull requests) with their labels; what an issue is — bug, incident, tech debt —
 * is decided at query time from the configured labels, so a label change needs no re-collection.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('issue')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repository.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'closed')`))
    .addColumn('author', 'text')
    .addColumn('labels', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('milestone_id', 'integer', (c) => c.references('milestone.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('issue_source_external_id_key', ['source', 'external_id'])
    .execute()
  await db.schema.createIndex('issue_labels_idx').on('issue').using('gin').column('labels').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('issue').execute()
}
