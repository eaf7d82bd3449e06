import { Type as T } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AppError } from '../errors/app-error.ts'
import { RATE_LIMITS } from '../plugins/security.ts'
import { recordAudit } from '../repositories/audit.repository.ts'
import { keepRawJsonBody } from '../webhooks/raw-body.ts'
import { verifyGitHubSignature } from '../webhooks/verify-signature.ts'
import { claimDelivery, finishDelivery } from '../webhooks/deliveries.ts'
import { ErrorResponse } from './org.schema.ts'

const Accepted = T.Object({ status: T.Union([T.Literal('accepted'), T.Literal('duplicate'), T.Literal('ignored')]), delivery: T.String() })
const Headers = T.Object({
  'x-github-event': T.String({ minLength: 1, maxLength: 100 }),
  'x-github-delivery': T.String({ minLength: 1, maxLength: 100 }),
  'x-hub-signature-256': T.Optional(T.String()),
})

/** Events stored; anything else is answered 202 `ignored` (GitHub shows it delivered). */
const STORED = new Set(['deployment', 'deployment_status', 'workflow_run', 'pull_request', 'pull_request_review', 'issues', 'dependabot_alert'])

/**
 * GitHub webhooks: the signature (`X-Hub-Signature-256`, HMAC-SHA256 of the raw body, constant
 * time) authenticates the sender; a redelivery (same `X-GitHub-Delivery`) is not applied twice;
 * the answer comes at once and the event is stored afterwards through the polling upserts.
 */
export const githubWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  keepRawJsonBody(app)

  app.post(
    '/api/webhooks/github',
    {
      config: { access: 'public', rateLimit: RATE_LIMITS.webhook },
      schema: {
        tags: ['webhooks'],
        summary: 'GitHub webhook (deployment, deployment_status, workflow_run, pull_request, pull_request_review, issues, dependabot_alert)',
        headers: Headers,
        response: { 200: Accepted, 202: Accepted, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const secret = app.config.sources.github?.webhookSecret
      if (!secret) throw new AppError(404, 'not_found', 'GitHub webhooks are not configured (sources.github.webhookSecret).')
      if (!req.rawBody || !verifyGitHubSignature(secret, req.rawBody, req.headers['x-hub-signature-256'])) {
        throw new AppError(401, 'unauthorized', 'The X-Hub-Signature-256 signature does not match this webhook secret.')
      }
      const event = req.headers['x-github-event']
      const delivery = req.headers['x-github-delivery']
      if (!STORED.has(event)) return reply.status(202).send({ status: 'ignored', delivery })
      if (!(await claimDelivery(app.db.db, 'github', delivery, event))) return reply.status(200).send({ status: 'duplicate', delivery })
      const payload = req.body
      app.background.run(`github ${event} ${delivery}`, async () => {
        const { applyGitHubEvent } = await import('../../collectors/github/webhook/apply-event.ts')
        try {
          const result = await applyGitHubEvent(app.db.db, app.config, event, payload)
          await recordAudit(app.db.db, {
            actor: 'webhook:github',
            action: `webhook.${event}`,
            targetType: 'webhook_delivery',
            targetId: delivery,
            before: null,
            after: { action: (payload as { action?: string }).action ?? null, applied: result.applied, rows: result.rows, reason: result.reason ?? null },
            requestId: req.id,
            ip: req.ip,
          })
          if (result.attribution && result.repoId !== null) {
            const { recomputeAttribution } = await import('../../collectors/attribution/index.ts')
            await recomputeAttribution(app.db.db, app.config, { repoIds: [result.repoId] })
          }
          await finishDelivery(app.db.db, 'github', delivery, null)
        } catch (err) {
          await finishDelivery(app.db.db, 'github', delivery, (err as Error).message)
          throw err
        }
      })
      return reply.status(202).send({ status: 'accepted', delivery })
    },
  )
}
