import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

/**
 * Claims a delivery for processing: true the first time a delivery id is seen, or when an earlier
 * attempt failed (a redelivery retries it); false for a duplicate of one already processed.
 */
export async function claimDelivery(db: Kysely<Database>, source: string, deliveryId: string, event: string): Promise<boolean> {
  const row = await db
    .insertInto('webhook_delivery')
    .values({ source, delivery_id: deliveryId, event })
    .onConflict((oc) =>
      oc
        .columns(['source', 'delivery_id'])
        .doUpdateSet({ error: null, received_at: new Date() })
        .where('webhook_delivery.error', 'is not', null),
    )
    .returning('delivery_id')
    .executeTakeFirst()
  return row !== undefined
}

export async function finishDelivery(db: Kysely<Database>, source: string, deliveryId: string, error: string | null): Promise<void> {
  await db
    .updateTable('webhook_delivery')
    .set({ processed_at: new Date(), error: error?.slice(0, 2_000) ?? null })
    .where('source', '=', source)
    .where('delivery_id', '=', deliveryId)
    .execute()
}
