import { type Kysely, sql } from 'kysely'

/** Repositories known to any source; `full_name` is owner/name as the source spells it. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('repository')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('default_branch', 'text', (c) => c.notNull().defaultTo('main'))
    .addColumn('archived', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('topics', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('url', 'text')
    .addColumn('created_at', 'timestamptz')
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('repository_source_external_id_key', ['source', 'external_id'])
    .execute()
  await db.schema.createIndex('repository_full_name_idx').on('repository').expression(sql`lower(full_name)`).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('repository').execute()
}
