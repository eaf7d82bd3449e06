import type { Kysely } from 'kysely'

/**
 * A snapshot keeps its frozen document as the exact canonical JSON text it was hashed from (jsonb
 * reorders keys, so `content` alone cannot reproduce the bytes), and whether its period had not
 * ended when it was taken, for lists that do not read the document.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('snapshot').addColumn('document', 'text').execute()
  await db.schema.alterTable('snapshot').addColumn('partial', 'boolean', (c) => c.notNull().defaultTo(false)).execute()
  await db.schema.createIndex('snapshot_created_at_idx').on('snapshot').column('created_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('snapshot_created_at_idx').execute()
  await db.schema.alterTable('snapshot').dropColumn('partial').execute()
  await db.schema.alterTable('snapshot').dropColumn('document').execute()
}
