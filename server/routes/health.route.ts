import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { checkReadiness } from '../db/health.ts'
import { HealthResponse, ReadyResponse } from './health.schema.ts'

/** Liveness (the process answers) and readiness (database reachable, migrations current). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: HealthResponse } } }, async () => ({
    status: 'ok' as const,
  }))

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness: database reachable and migrations current', response: { 200: ReadyResponse, 503: ReadyResponse } } },
    async (_req, reply) => {
      const r = await checkReadiness(app.db.db)
      const body = {
        status: r.ready ? ('ready' as const) : ('unavailable' as const),
        database: { kind: app.db.kind, reachable: r.database.reachable, ...(r.database.error && { error: r.database.error }) },
        migrations: r.migrations,
      }
      return reply.status(r.ready ? 200 : 503).send(body)
    },
  )
}
