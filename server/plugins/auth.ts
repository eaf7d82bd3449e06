import cookie from '@fastify/cookie'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors/app-error.ts'
import { type Access, LOCAL_PRINCIPAL, type Principal, type Role, allows } from '../auth/principal.ts'
import { hashApiToken, looksLikeApiToken } from '../auth/api-tokens.ts'
import { CookieSealer } from '../auth/sealed-cookie.ts'
import { FailureLimiter } from '../auth/failure-limiter.ts'
import { findLiveApiTokenByHash, touchApiToken } from '../repositories/api-tokens.repository.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; null when nobody signed in (only public routes then). */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** What the route needs; required on every write route (see auth/principal.ts). */
    access?: Access
  }
  interface FastifyInstance {
    /** Seals session and sign-in cookies; null when sign-in is not configured. */
    sealer: CookieSealer | null
    /** Every route and the access it needs, as registered. */
    routeAccess: { method: string; url: string; access: Access; declared: boolean }[]
  }
}

export const SESSION_COOKIE = 'meridian_session'
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The session a signed-in user carries in the sealed cookie. */
export interface Session {
  sub: string
  name: string
  role: Role
  teams: string[]
  csrf: string
  /** Expiry, epoch ms. */
  exp: number
}

function defaultAccess(method: string, url: string): Access | null {
  if (WRITE_METHODS.has(method)) return null
  return url.startsWith('/api/') && !url.startsWith('/api/docs') ? 'read' : 'public'
}

/**
 * Authentication and authorisation for every route. Each route states what it needs in
 * `config.access`; a write route without one stops the server from starting, so none can be
 * forgotten. Reads default to `read` under /api and `public` elsewhere (the dashboard shell).
 * Callers are a bearer API token, a sealed session cookie (sign-in configured), or — with no
 * sign-in configured, on loopback only — the local user.
 */
export async function registerAuth(app: FastifyInstance): Promise<void> {
  const auth = app.config.auth
  const signIn = Boolean(auth?.oidc)
  if (signIn && !auth?.sessionSecret) {
    throw new Error('auth.oidc needs auth.sessionSecret (at least 32 random characters) to seal session cookies')
  }
  app.decorate('sealer', signIn ? new CookieSealer(auth!.sessionSecret!) : null)
  app.decorate('routeAccess', [] as FastifyInstance['routeAccess'])
  app.decorateRequest('principal', null)
  await app.register(cookie)

  const limiter = new FailureLimiter(30, 5 * 60_000, () => app.clock().getTime())

  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String)
    for (const method of methods) {
      const declared = route.config?.access
      const access = declared ?? defaultAccess(method, route.url)
      if (!access) {
        throw new Error(`route ${method} ${route.url} writes but declares no access: add config: { access: 'admin' | 'team' | 'ingest' | 'read' | 'public' }`)
      }
      route.config = { ...route.config, access }
      app.routeAccess.push({ method, url: route.url, access, declared: declared !== undefined })
    }
  })

  app.addHook('onRequest', async (req, reply) => {
    const access: Access = req.routeOptions.config?.access ?? 'public'
    req.principal = await authenticate(req, access)
    if (!allows(req.principal, access)) {
      if (!req.principal) throw new AppError(401, 'unauthorized', signIn ? 'Sign in first (GET /auth/login), or send an API token as "Authorization: Bearer mrd_…".' : 'An API token is required.')
      throw new AppError(403, 'forbidden', `This needs the ${access} permission, which ${req.principal.name} does not have.`)
    }
    if (WRITE_METHODS.has(req.method) && access !== 'public') checkCsrf(req, reply)
  })

  async function authenticate(req: FastifyRequest, access: Access): Promise<Principal | null> {
    const header = req.headers.authorization
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header)
      if (limiter.blocked(req.ip)) throw new AppError(429, 'rate_limited', 'Too many failed authentication attempts; try again in a few minutes.')
      const token = m?.[1]
      const row = token && looksLikeApiToken(token) ? await findLiveApiTokenByHash(app.db.db, hashApiToken(token), app.clock()) : undefined
      if (!row) {
        limiter.record(req.ip)
        if (access === 'public') return null
        throw new AppError(401, 'unauthorized', 'The API token is invalid, expired or revoked.')
      }
      // Recording use at most once a minute keeps reads from turning into writes.
      const now = app.clock()
      if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) await touchApiToken(app.db.db, row.id, now)
      return {
        kind: 'token',
        id: `token:${row.id}`,
        name: `token "${row.name}"`,
        role: row.scopes.includes('admin') ? 'admin' : 'viewer',
        teams: row.team_id ? [row.team_id] : [],
        scopes: row.scopes as Principal['scopes'],
      }
    }
    if (!signIn) return LOCAL_PRINCIPAL
    const session = app.sealer!.open<Session>(req.cookies[SESSION_COOKIE])
    if (!session || session.exp < app.clock().getTime()) return null
    return {
      kind: 'user',
      id: `user:${session.sub}`,
      name: session.name,
      role: session.role,
      teams: session.teams,
      scopes: session.role === 'admin' ? ['read', 'ingest', 'admin'] : ['read'],
      csrf: session.csrf,
    }
  }

  /**
   * Browsers send Origin (and Sec-Fetch-Site) on cross-site writes: refuse those outright, which
   * also protects the open local mode. Cookie sessions must also echo their CSRF token.
   */
  function checkCsrf(req: FastifyRequest, _reply: FastifyReply): void {
    if (req.principal?.kind === 'token') return
    const origin = req.headers.origin
    if (origin !== undefined && origin !== `${req.protocol}://${req.host}`) {
      throw new AppError(403, 'forbidden', `Cross-site request refused (Origin ${origin}).`)
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') throw new AppError(403, 'forbidden', 'Cross-site request refused.')
    if (req.principal?.kind === 'user' && req.headers['x-csrf-token'] !== req.principal.csrf) {
      throw new AppError(403, 'forbidden', 'Missing or wrong x-csrf-token header (get it from GET /api/me).')
    }
  }
}
