import { type Kysely, sql } from 'kysely'

/**
 * Leases that keep two collectors off the same source and scope: a holder owns a row until
 * `expires_at`, renews it while working and deletes it when done; an expired lease may be taken
 * over by anyone. Times come from the database, so holders on different machines agree.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sync_lock')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_lock_pkey', ['source', 'scope'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sync_lock').execute()
}
