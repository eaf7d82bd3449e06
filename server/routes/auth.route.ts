import { randomBytes } from 'node:crypto'
import { Type as T } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { OidcClient } from '../auth/oidc-client.ts'
import { roleFromClaims } from '../auth/roles.ts'
import { auditActor } from '../auth/principal.ts'
import { AppError } from '../errors/app-error.ts'
import { SESSION_COOKIE, type Session } from '../plugins/auth.ts'
import { RATE_LIMITS } from '../plugins/security.ts'
import { recordAudit } from '../repositories/audit.repository.ts'
import { ErrorResponse } from './org.schema.ts'
import { Me } from './auth.schema.ts'

const LOGIN_COOKIE = 'meridian_login'
const LOGIN_TTL_MS = 10 * 60_000
const SESSION_TTL_MS = 12 * 3_600_000

interface LoginChecks {
  state: string
  nonce: string
  verifier: string
  returnTo: string
  exp: number
}


/** Only same-site paths: never an open redirect to another host. */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/'
}

const cookieOptions = (path: string, maxAgeMs: number) =>
  ({ path, httpOnly: true, secure: true, sameSite: 'lax', maxAge: Math.floor(maxAgeMs / 1000) }) as const

/** Sign-in with OpenID Connect (authorization code + PKCE), sign-out, and who am I. */
export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const oidcSettings = app.config.auth?.oidc
  const client = oidcSettings ? new OidcClient(oidcSettings) : null

  const redirectUri = (req: FastifyRequest) => oidcSettings?.redirectUrl ?? `${req.protocol}://${req.host}/auth/callback`
  const notConfigured = () => new AppError(404, 'not_found', 'Sign-in is not configured (auth.oidc in meridian.config.yaml).')

  app.get(
    '/api/me',
    { config: { access: 'public' }, schema: { tags: ['access'], summary: 'Who is signed in, and the CSRF token for writes', response: { 200: Me } } },
    async (req) => {
      const p = req.principal
      return {
        mode: client ? ('oidc' as const) : ('open-local' as const),
        signedIn: p !== null,
        user: p ? { id: p.id, name: p.name, role: p.role, teams: p.teams, kind: p.kind } : null,
        csrfToken: p?.csrf ?? null,
        loginUrl: client ? '/auth/login' : null,
      }
    },
  )

  app.get(
    '/auth/login',
    {
      config: { access: 'public', rateLimit: RATE_LIMITS.signIn },
      schema: { tags: ['access'], summary: 'Start signing in: redirects to the identity provider', querystring: T.Object({ returnTo: T.Optional(T.String({ maxLength: 2000 })) }), response: { 404: ErrorResponse, 429: ErrorResponse } },
    },
    async (req, reply) => {
      if (!client) throw notConfigured()
      const { url, checks } = await client.start(redirectUri(req))
      const login: LoginChecks = { ...checks, returnTo: safeReturnTo(req.query.returnTo), exp: app.clock().getTime() + LOGIN_TTL_MS }
      reply.setCookie(LOGIN_COOKIE, app.sealer!.seal(login), cookieOptions('/auth', LOGIN_TTL_MS))
      return reply.redirect(url, 302)
    },
  )

  app.get(
    '/auth/callback',
    {
      config: { access: 'public', rateLimit: RATE_LIMITS.signIn },
      schema: { tags: ['access'], summary: 'Where the identity provider sends the browser back', querystring: T.Record(T.String(), T.String()), response: { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 429: ErrorResponse } },
    },
    async (req, reply) => {
      if (!client) throw notConfigured()
      const checks = app.sealer!.open<LoginChecks>(req.cookies[LOGIN_COOKIE])
      reply.clearCookie(LOGIN_COOKIE, { path: '/auth' })
      if (!checks || checks.exp < app.clock().getTime()) {
        throw new AppError(400, 'invalid_request', 'The sign-in attempt expired or was started in another browser; start again at /auth/login.')
      }
      if (typeof req.query.error === 'string') {
        throw new AppError(403, 'forbidden', `The identity provider refused the sign-in: ${req.query.error}`)
      }
      const callback = new URL(redirectUri(req))
      callback.search = new URLSearchParams(req.query as Record<string, string>).toString()
      let claims: Record<string, unknown>
      try {
        claims = await client.finish(callback, checks)
      } catch (err) {
        req.log.warn({ reason: (err as Error).message }, 'sign-in failed')
        throw new AppError(400, 'invalid_request', 'Sign-in failed: the identity provider’s answer could not be verified; start again at /auth/login.')
      }
      const granted = roleFromClaims(oidcSettings!, claims)
      const sub = String(claims.sub)
      const name = String(claims.email ?? claims.name ?? claims.preferred_username ?? sub)
      if (!granted) {
        await recordAudit(app.db.db, { actor: `user:${sub} (${name})`, action: 'auth.denied', targetType: 'session', targetId: null, before: null, after: { reason: 'no role' }, requestId: req.id, ip: req.ip })
        throw new AppError(403, 'forbidden', `${name} signed in but has no Meridian role: ask an admin to add one of your groups to auth.oidc.roles.`)
      }
      const session: Session = { sub, name, role: granted.role, teams: granted.teams, csrf: randomBytes(24).toString('base64url'), exp: app.clock().getTime() + SESSION_TTL_MS }
      await recordAudit(app.db.db, { actor: `user:${sub} (${name})`, action: 'auth.sign_in', targetType: 'session', targetId: null, before: null, after: { role: granted.role, teams: granted.teams }, requestId: req.id, ip: req.ip })
      reply.setCookie(SESSION_COOKIE, app.sealer!.seal(session), cookieOptions('/', SESSION_TTL_MS))
      return reply.redirect(checks.returnTo, 302)
    },
  )

  app.post(
    '/auth/logout',
    { config: { access: 'read', rateLimit: RATE_LIMITS.signIn }, schema: { tags: ['access'], summary: 'Sign out', response: { 204: T.Null(), 401: ErrorResponse, 403: ErrorResponse } } },
    async (req, reply: FastifyReply) => {
      if (req.principal?.kind === 'user') {
        await recordAudit(app.db.db, { actor: auditActor(req.principal), action: 'auth.sign_out', targetType: 'session', targetId: null, before: null, after: null, requestId: req.id, ip: req.ip })
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.status(204).send(null)
    },
  )
}
