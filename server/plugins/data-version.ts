import type { FastifyInstance } from 'fastify'
import { bumpDataVersion } from '../repositories/data-version.repository.ts'

/**
 * Every successful API write (ingest, webhooks, entered KPIs, …) may change a KPI: the data
 * version is bumped before the answer leaves, so the caller's next read is never served from
 * cache. Work done after answering (webhook attribution) bumps it again when it finishes.
 */
export function registerDataVersion(app: FastifyInstance): void {
  const bump = async (what: string) => {
    try {
      await bumpDataVersion(app.db.db)
    } catch (err) {
      app.log.warn({ err, what }, 'could not bump the data version; cached KPI values may lag until the next write')
    }
  }
  app.addHook('onSend', async (req, reply, payload) => {
    // Snapshots only read KPIs: taking or deleting one leaves every cached value valid.
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.url.startsWith('/api/') && !req.url.startsWith('/api/snapshots') && reply.statusCode < 400) await bump(req.url)
    return payload
  })
  app.background.onSettled(() => bump('background work'))
}
