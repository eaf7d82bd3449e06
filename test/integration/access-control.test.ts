import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/app.ts'
import { registerAuth } from '../../server/plugins/auth.ts'
import { createApiToken } from '../../server/auth/token-service.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'
import { sessionCookie } from '../support/sessions.ts'

const NOW = new Date('2026-11-22T12:00:00Z')
const SECRET = 'session-secret-for-tests-0123456789-abcdef'
const signInConfig = testConfig({
  teams: [{ id: 'payments', name: 'Payments' }],
  // The issuer is never contacted by these tests: discovery happens only on /auth/login.
  auth: { oidc: { issuer: 'https://login.invalid', clientId: 'meridian', clientSecret: 'oidc-client-secret-value' }, sessionSecret: SECRET },
})

forEachBackend('access control', (ctx) => {
  let app: FastifyInstance
  const logs: string[] = []
  const tokens: Record<string, string> = {}

  beforeAll(async () => {
    app = await buildApp({ config: signInConfig, db: ctx.db, clock: () => NOW, logger: { level: 'trace', stream: { write: (l: string) => void logs.push(l) } } })
    const at = { actor: 'test', now: NOW }
    tokens.read = (await createApiToken(ctx.db.db, { name: 'dashboard', scopes: ['read'] }, at)).token
    tokens.ingest = (await createApiToken(ctx.db.db, { name: 'jenkins', scopes: ['ingest'] }, at)).token
    tokens.admin = (await createApiToken(ctx.db.db, { name: 'terraform', scopes: ['admin'] }, at)).token
    tokens.expired = (await createApiToken(ctx.db.db, { name: 'old', scopes: ['admin'], expiresAt: new Date('2026-11-01T00:00:00Z') }, at)).token
  })
  afterAll(async () => app?.close())

  const bearer = (t: string) => ({ authorization: `Bearer ${t}` })

  it('declares the access of every write route (walks every registered route)', () => {
    const writes = app.routeAccess.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
    expect(writes.length).toBeGreaterThan(0)
    for (const r of writes) expect({ route: `${r.method} ${r.url}`, declared: r.declared }).toEqual({ route: `${r.method} ${r.url}`, declared: true })
    expect(app.routeAccess.find((r) => r.method === 'GET' && r.url === '/api/teams')?.access).toBe('read')
    expect(app.routeAccess.find((r) => r.method === 'GET' && r.url === '/healthz')?.access).toBe('public')
  })

  it('refuses to register a write route that forgets to declare its access', async () => {
    const bare = Fastify({ logger: false })
    bare.decorate('config', testConfig())
    bare.decorate('clock', () => NOW)
    await registerAuth(bare)
    expect(() => bare.post('/api/things', async () => ({}))).toThrow(
      "route POST /api/things writes but declares no access: add config: { access: 'admin' | 'team' | 'ingest' | 'read' | 'public' }",
    )
  })

  it.each([
    ['no credentials', {}, 401],
    ['a malformed token', { authorization: 'Bearer not-a-token' }, 401],
    ['an unknown token', { authorization: `Bearer mrd_${'A'.repeat(43)}` }, 401],
    ['an expired token', 'expired', 401],
    ['a read token', 'read', 200],
    ['an ingest-only token', 'ingest', 403],
    ['an admin token', 'admin', 200],
  ] as const)('GET /api/teams with %s → %i', async (_label, auth, status) => {
    const headers = typeof auth === 'string' ? bearer(tokens[auth]!) : auth
    expect((await app.inject({ url: '/api/teams', headers })).statusCode).toBe(status)
  })

  it.each([
    ['viewer', 403],
    ['team', 403],
    ['admin', 201],
  ] as const)('a %s session creating a token → %i', async (role, status) => {
    const { cookie, csrf } = sessionCookie(app, role, { teams: role === 'team' ? ['payments'] : [] })
    const res = await app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: `by-${role}`, scopes: ['read'] } })
    expect(res.statusCode).toBe(status)
    if (status === 403) expect(res.json().error).toMatchObject({ code: 'forbidden', message: `This needs the admin permission, which ${role}@example.com does not have.` })
  })

  it('ignores an expired or tampered session cookie', async () => {
    const expired = sessionCookie(app, 'admin', { expMs: NOW.getTime() - 1 })
    expect((await app.inject({ url: '/api/teams', headers: { cookie: expired.cookie } })).statusCode).toBe(401)
    const good = sessionCookie(app, 'admin')
    const tampered = good.cookie.slice(0, -3) + (good.cookie.endsWith('A') ? 'BBB' : 'AAA')
    expect((await app.inject({ url: '/api/teams', headers: { cookie: tampered } })).statusCode).toBe(401)
  })

  it('creates, lists and revokes a token with an admin token, auditing before → after', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(tokens.admin!), payload: { name: ' argo ', scopes: ['ingest', 'read'], expiresInDays: 30 } })
    expect(created.statusCode).toBe(201)
    const { token, apiToken } = created.json()
    expect(token).toMatch(/^mrd_[A-Za-z0-9_-]{43}$/)
    expect(apiToken).toMatchObject({ name: 'argo', scopes: ['ingest', 'read'], prefix: token.slice(0, 10), expiresAt: '2026-12-22T12:00:00.000Z', revokedAt: null })
    expect((await app.inject({ url: '/api/teams', headers: bearer(token) })).statusCode).toBe(200)

    const list = (await app.inject({ url: '/api/tokens', headers: bearer(tokens.admin!) })).json()
    expect(list.tokens.map((t: { name: string }) => t.name)).toContain('argo')
    expect(JSON.stringify(list)).not.toContain(token)

    const revoked = await app.inject({ method: 'DELETE', url: `/api/tokens/${apiToken.id}`, headers: bearer(tokens.admin!) })
    expect(revoked.statusCode).toBe(200)
    expect(revoked.json().revokedAt).toBe(NOW.toISOString())
    expect((await app.inject({ url: '/api/teams', headers: bearer(token) })).statusCode).toBe(401)
    expect((await app.inject({ method: 'DELETE', url: '/api/tokens/999999', headers: bearer(tokens.admin!) })).statusCode).toBe(404)

    const audit = (await app.inject({ url: `/api/audit?targetType=api_token&limit=2`, headers: bearer(tokens.admin!) })).json()
    expect(audit.entries.map((e: { action: string; targetId: string }) => [e.action, e.targetId])).toEqual([
      ['token.revoke', String(apiToken.id)],
      ['token.create', String(apiToken.id)],
    ])
    expect(audit.entries[0].actor).toMatch(/^token:\d+ \(token "terraform"\)$/)
    expect(audit.entries[0].before.revoked_at).toBeNull()
    expect(audit.entries[0].after.revoked_at).toBe(NOW.toISOString())
    expect(audit.next).toBe(audit.entries[1].id)
    expect(JSON.stringify(audit)).not.toMatch(/token_hash|mrd_[A-Za-z0-9_-]{43}/)
  })

  it('lets only admins read the audit log', async () => {
    expect((await app.inject({ url: '/api/audit', headers: bearer(tokens.read!) })).statusCode).toBe(403)
    const viewer = sessionCookie(app, 'viewer')
    expect((await app.inject({ url: '/api/audit', headers: { cookie: viewer.cookie } })).statusCode).toBe(403)
  })

  it('refuses cross-site writes even with a valid session and CSRF token', async () => {
    const { cookie, csrf } = sessionCookie(app, 'admin')
    const res = await app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example.com' }, payload: { name: 'x', scopes: ['read'] } })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.message).toBe('Cross-site request refused (Origin https://evil.example.com).')
  })

  it('rejects unknown fields and oversized bodies on writes', async () => {
    const unknown = await app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(tokens.admin!), payload: { name: 'x', scopes: ['read'], role: 'admin' } })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().error.details).toEqual([{ field: 'body.role', message: 'must NOT have additional properties' }])
    const huge = await app.inject({ method: 'POST', url: '/api/tokens', headers: { ...bearer(tokens.admin!), 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2_000_000), scopes: ['read'] }) })
    expect(huge.statusCode).toBe(413)
    expect(huge.json().error.code).toBe('payload_too_large')
  })

  it('sends security headers with a CSP the dashboard works under', async () => {
    const res = await app.inject({ url: '/healthz' })
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';connect-src 'self';object-src 'none';base-uri 'self';frame-ancestors 'none';form-action 'self'",
    )
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
  })

  it('rate-limits sign-in and repeated bad tokens', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 21; i++) statuses.push((await app.inject({ url: '/auth/callback?code=a&state=b', remoteAddress: '10.9.9.9' })).statusCode)
    expect(statuses.slice(0, 20).every((s) => s === 400)).toBe(true)
    expect(statuses[20]).toBe(429)

    const bad: number[] = []
    for (let i = 0; i < 31; i++) bad.push((await app.inject({ url: '/api/teams', headers: { authorization: `Bearer mrd_${'B'.repeat(43)}` }, remoteAddress: '10.8.8.8' })).statusCode)
    expect(bad.slice(0, 30).every((s) => s === 401)).toBe(true)
    expect(bad[30]).toBe(429)
    // A good token from the same address is throttled too: guessing must not be rewarded.
    expect((await app.inject({ url: '/api/teams', headers: bearer(tokens.read!), remoteAddress: '10.8.8.8' })).statusCode).toBe(429)
  })

  it('never logs a token, session, signature or secret', async () => {
    await app.inject({ url: '/api/teams', headers: { authorization: 'Bearer mrd_thisIsAWrongTokenValueThatMustNotAppear0000000' } })
    await app.inject({ method: 'POST', url: '/api/webhooks/github', headers: { 'x-hub-signature-256': 'sha256=deadbeefcafe0123456789signature', 'content-type': 'application/json' }, payload: '{"zen":"x"}' })
    await app.inject({ url: '/auth/callback?code=one-time-code-value&state=s' })
    const text = logs.join('\n')
    expect(logs.length).toBeGreaterThan(10)
    for (const secret of ['mrd_thisIsAWrongTokenValue', 'deadbeefcafe0123456789signature', 'one-time-code-value', SECRET, 'oidc-client-secret-value', ...Object.values(tokens)]) {
      expect(text).not.toContain(secret)
    }
  })
})

describe('open local mode (no sign-in configured, loopback)', () => {
  let app: FastifyInstance
  let close: () => Promise<void>
  beforeAll(async () => {
    const { createTestDatabase } = await import('../support/databases.ts')
    const db = await createTestDatabase('pglite')
    app = await buildApp({ config: testConfig(), db, logger: false, clock: () => NOW })
    close = async () => {
      await app.close()
      await db.drop()
    }
  })
  afterAll(async () => close?.())

  it('treats the caller as the local admin and audits as "local"', async () => {
    expect((await app.inject({ url: '/api/me' })).json()).toEqual({
      mode: 'open-local',
      signedIn: true,
      user: { id: 'local', name: 'Local user', role: 'admin', teams: [], kind: 'local' },
      csrfToken: null,
      loginUrl: null,
    })
    const res = await app.inject({ method: 'POST', url: '/api/tokens', payload: { name: 'local', scopes: ['read'] } })
    expect(res.statusCode).toBe(201)
    const audit = (await app.inject({ url: '/api/audit' })).json()
    expect(audit.entries[0]).toMatchObject({ actor: 'local', action: 'token.create' })
  })

  it('still refuses cross-site writes from a browser', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/tokens', headers: { origin: 'http://evil.example.com' }, payload: { name: 'x', scopes: ['read'] } })
    expect(res.statusCode).toBe(403)
    const fetchSite = await app.inject({ method: 'POST', url: '/api/tokens', headers: { 'sec-fetch-site': 'cross-site' }, payload: { name: 'x', scopes: ['read'] } })
    expect(fetchSite.statusCode).toBe(403)
  })
})
