import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { auditActor } from '../auth/principal.ts'
import { createApiToken, revokeApiTokenById } from '../auth/token-service.ts'
import { AppError } from '../errors/app-error.ts'
import { listApiTokens } from '../repositories/api-tokens.repository.ts'
import { RATE_LIMITS } from '../plugins/security.ts'
import { ErrorResponse } from './org.schema.ts'
import { ApiToken, CreateTokenBody, CreatedToken, TokenIdParams, TokenList } from './tokens.schema.ts'

type TokenRow = Awaited<ReturnType<typeof listApiTokens>>[number]
const iso = (d: Date | null) => (d ? d.toISOString() : null)

export function toApiToken(r: TokenRow): ApiToken {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    teamId: r.team_id,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    expiresAt: iso(r.expires_at),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  }
}

/** API tokens for automation (admin only): list, create (the token is shown once), revoke. */
export const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse }

  app.get(
    '/api/tokens',
    { config: { access: 'admin' }, schema: { tags: ['access'], summary: 'List API tokens (never the tokens themselves)', response: { 200: TokenList, ...errors } } },
    async () => ({ tokens: (await listApiTokens(app.db.db)).map(toApiToken) }),
  )

  app.post(
    '/api/tokens',
    {
      config: { access: 'admin', rateLimit: RATE_LIMITS.admin },
      schema: { tags: ['access'], summary: 'Create an API token; the response shows it once', body: CreateTokenBody, response: { 201: CreatedToken, ...errors } },
    },
    async (req, reply) => {
      const body = req.body
      if (body.teamId !== undefined && !app.config.teams.some((t) => t.id === body.teamId)) {
        throw new AppError(400, 'invalid_request', `body.teamId: no team "${body.teamId}" is configured`, [{ field: 'body.teamId', message: 'must name a configured team' }])
      }
      const now = app.clock()
      const { token, row } = await createApiToken(
        app.db.db,
        { name: body.name.trim(), scopes: body.scopes, teamId: body.teamId ?? null, expiresAt: body.expiresInDays ? new Date(now.getTime() + body.expiresInDays * 86_400_000) : null },
        { actor: auditActor(req.principal), requestId: req.id, ip: req.ip, now },
      )
      return reply.status(201).send({ token, apiToken: toApiToken(row) })
    },
  )

  app.delete(
    '/api/tokens/:id',
    {
      config: { access: 'admin', rateLimit: RATE_LIMITS.admin },
      schema: { tags: ['access'], summary: 'Revoke an API token', params: TokenIdParams, response: { 200: ApiToken, 404: ErrorResponse, ...errors } },
    },
    async (req) => {
      const row = await revokeApiTokenById(app.db.db, req.params.id, { actor: auditActor(req.principal), requestId: req.id, ip: req.ip, now: app.clock() })
      if (!row) throw new AppError(404, 'not_found', `No API token ${req.params.id}`)
      return toApiToken(row)
    },
  )
}
