import { type Kysely, sql } from 'kysely'

/** Webhook deliveries already processed, so a redelivery (same delivery id) is not applied twice. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_delivery')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('webhook_delivery_pkey', ['source', 'delivery_id'])
    .execute()
  await db.schema.createIndex('webhook_delivery_received_idx').on('webhook_delivery').column('received_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_delivery').execute()
}
