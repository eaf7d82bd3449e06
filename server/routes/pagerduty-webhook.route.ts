import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type as T } from '@sinclair/typebox'
import { attribute } from '../../collectors/shared/incident-common.ts'
import { applyPagerDutyEvent, isIncidentEvent, webhookIncidentProblems, type PdWebhookEvent } from '../../collectors/pagerduty/webhook.ts'
import { AppError } from '../errors/app-error.ts'
import { RATE_LIMITS } from '../plugins/security.ts'
import { keepRawJsonBody } from '../webhooks/raw-body.ts'
import { verifyPagerDutySignature } from '../webhooks/verify-signature.ts'
import { claimDelivery, finishDelivery } from '../webhooks/deliveries.ts'
import { ErrorResponse } from './org.schema.ts'

/** A PagerDuty v3 webhook body: one `event`; its `data` is checked per event type. */
const PagerDutyWebhookBody = T.Object(
  {
    event: T.Object(
      {
        id: T.String({ minLength: 1 }),
        event_type: T.String({ minLength: 1, examples: ['incident.triggered'] }),
        resource_type: T.Optional(T.String()),
        occurred_at: T.String({ format: 'date-time' }),
        agent: T.Optional(T.Unknown()),
        client: T.Optional(T.Unknown()),
        data: T.Record(T.String(), T.Unknown()),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false },
)

const WebhookAnswer = T.Object({
  status: T.Union([T.Literal('stored'), T.Literal('ignored'), T.Literal('duplicate')]),
  eventType: T.String(),
  incidentId: T.Optional(T.Integer()),
})

/**
 * `POST /api/webhooks/pagerduty`: PagerDuty v3 webhooks, authenticated by `X-PagerDuty-Signature`
 * (any of its v1 signatures matching the configured secret) rather than by a Meridian principal.
 * Incident events upsert the incident through the polling mapper, audited as `webhook:pagerduty`;
 * attribution runs after the answer. Other event types are acknowledged with 202 and ignored.
 */
export const pagerDutyWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  keepRawJsonBody(app)

  app.post(
    '/api/webhooks/pagerduty',
    {
      config: { access: 'public', rateLimit: RATE_LIMITS.webhook },
      schema: {
        tags: ['webhooks'],
        summary: 'PagerDuty v3 webhook (signed with X-PagerDuty-Signature)',
        body: PagerDutyWebhookBody,
        response: { 200: WebhookAnswer, 202: WebhookAnswer, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse },
      },
      preValidation: async (req) => {
        const secret = app.config.sources.pagerduty?.webhookSecret
        if (!secret) throw new AppError(404, 'not_found', 'PagerDuty webhooks are not configured (sources.pagerduty.webhookSecret)')
        const header = req.headers['x-pagerduty-signature']
        if (!req.rawBody || !verifyPagerDutySignature(secret, req.rawBody, Array.isArray(header) ? header.join(',') : header)) {
          throw new AppError(401, 'unauthorized', 'Missing or invalid X-PagerDuty-Signature')
        }
      },
    },
    async (req, reply) => {
      const event = req.body.event as PdWebhookEvent
      if (!isIncidentEvent(event.event_type)) return reply.status(202).send({ status: 'ignored', eventType: event.event_type })
      const problems = webhookIncidentProblems(event.data)
      if (problems.length > 0) throw new AppError(400, 'invalid_request', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems)
      // A redelivered event (same event id) is applied once; one that failed is retried.
      if (!(await claimDelivery(app.db.db, 'pagerduty', event.id, event.event_type))) {
        return reply.status(200).send({ status: 'duplicate', eventType: event.event_type })
      }
      const now = app.clock()
      let incidentId: number
      try {
        ;({ incidentId } = await applyPagerDutyEvent(app.db.db, app.config, event, { requestId: req.id, ip: req.ip, now }))
        await finishDelivery(app.db.db, 'pagerduty', event.id, null)
      } catch (err) {
        await finishDelivery(app.db.db, 'pagerduty', event.id, (err as Error).message)
        throw err
      }
      app.background.run(`pagerduty attribution ${incidentId}`, async () => {
        const r = await attribute(app.db.db, app.config, [incidentId], now)
        if (r.error) req.log.warn({ incidentId, error: r.error }, 'incident attribution after a PagerDuty webhook failed')
      })
      return reply.status(200).send({ status: 'stored', eventType: event.event_type, incidentId })
    },
  )
}
