import { type Kysely, sql } from 'kysely'

/** The default branch's commit graph per repository: enough to compute ancestry locally. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('commit')
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repository.id').onDelete('cascade'))
    .addColumn('sha', 'text', (c) => c.notNull())
    .addColumn('parents', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('authored_at', 'timestamptz')
    .addColumn('committed_at', 'timestamptz')
    .addPrimaryKeyConstraint('commit_pkey', ['repo_id', 'sha'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('commit').execute()
}
