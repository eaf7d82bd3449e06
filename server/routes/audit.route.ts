import { Type as T } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listAudit } from '../repositories/audit.repository.ts'
import { ErrorResponse } from './org.schema.ts'

const AuditEntry = T.Object({
  id: T.Integer(),
  at: T.String({ format: 'date-time' }),
  actor: T.String(),
  action: T.String(),
  targetType: T.String(),
  targetId: T.Union([T.String(), T.Null()]),
  before: T.Unknown(),
  after: T.Unknown(),
  requestId: T.Union([T.String(), T.Null()]),
  ip: T.Union([T.String(), T.Null()]),
})
const AuditQuery = T.Object(
  {
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 500, default: 100 })),
    before: T.Optional(T.Integer({ minimum: 1, description: 'return entries with a smaller id (the next page)' })),
    targetType: T.Optional(T.String({ maxLength: 100 })),
    actor: T.Optional(T.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)
const AuditPage = T.Object({ entries: T.Array(AuditEntry), next: T.Union([T.Integer(), T.Null()], { description: 'pass as `before` for the next page' }) })

/** The audit log, newest first (admin only). */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/audit',
    { config: { access: 'admin' }, schema: { tags: ['access'], summary: 'Every write: who, what, when, before → after', querystring: AuditQuery, response: { 200: AuditPage, 401: ErrorResponse, 403: ErrorResponse } } },
    async (req) => {
      const limit = req.query.limit ?? 100
      const rows = await listAudit(app.db.db, { limit: limit + 1, beforeId: req.query.before, targetType: req.query.targetType, actor: req.query.actor })
      const page = rows.slice(0, limit)
      return {
        entries: page.map((r) => ({
          id: r.id,
          at: r.at.toISOString(),
          actor: r.actor,
          action: r.action,
          targetType: r.target_type,
          targetId: r.target_id,
          before: r.before,
          after: r.after,
          requestId: r.request_id,
          ip: r.ip,
        })),
        next: rows.length > limit ? page[page.length - 1]!.id : null,
      }
    },
  )
}
