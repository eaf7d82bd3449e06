import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/app.ts'
import { createTestDatabase } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'
import { CookieJar, startTestIdp, type TestIdp } from '../support/oidc-provider.ts'

const MERIDIAN = 'http://127.0.0.1:3999'
const REDIRECT = `${MERIDIAN}/auth/callback`

let idp: TestIdp
let app: FastifyInstance
let db: Awaited<ReturnType<typeof createTestDatabase>>
const logs: string[] = []

beforeAll(async () => {
  idp = await startTestIdp(REDIRECT)
  idp.accounts = {
    alice: { email: 'alice@example.com', groups: ['eng-leadership'] },
    bob: { email: 'bob@example.com', groups: ['team-payments', 'engineering'] },
    carol: { email: 'carol@example.com', groups: ['engineering'] },
    mallory: { email: 'mallory@example.com', groups: ['sales'] },
  }
  db = await createTestDatabase('pglite')
  const config = testConfig({
    teams: [{ id: 'payments', name: 'Payments' }],
    auth: {
      oidc: {
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        redirectUrl: REDIRECT,
        rolesClaim: 'groups',
        roles: { admin: ['eng-leadership'], viewer: ['engineering'], team: { payments: ['team-payments'] } },
      },
      sessionSecret: 'a-session-secret-that-is-long-enough-0123456789',
    },
  })
  app = await buildApp({ config, db, logger: { level: 'trace', stream: { write: (l: string) => void logs.push(l) } } })
})

afterAll(async () => {
  await app?.close()
  await db?.drop()
  await idp?.close()
})

/** Drives the browser through Meridian → identity provider → Meridian; returns Meridian's last answer. */
async function signIn(account: string, returnTo = '/teams/payments') {
  idp.nextAccount = account
  const jar = new CookieJar()
  let res = await app.inject({ url: `/auth/login?returnTo=${encodeURIComponent(returnTo)}` })
  expect(res.statusCode).toBe(302)
  jar.store(MERIDIAN, res.headers['set-cookie'])
  let location = String(res.headers.location)
  expect(location.startsWith(`${idp.issuer}/auth?`)).toBe(true)
  const authUrl = new URL(location)
  expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256')
  expect(authUrl.searchParams.get('redirect_uri')).toBe(REDIRECT)

  for (let hops = 0; !location.startsWith(MERIDIAN); hops++) {
    expect(hops).toBeLessThan(10)
    const r = await fetch(location, { redirect: 'manual', headers: { cookie: jar.header(location) } })
    jar.store(location, r.headers.getSetCookie())
    expect([302, 303]).toContain(r.status)
    location = new URL(r.headers.get('location')!, location).href
  }
  const callback = new URL(location)
  res = await app.inject({ url: callback.pathname + callback.search, headers: { cookie: jar.header(MERIDIAN) } })
  jar.store(MERIDIAN, res.headers['set-cookie'])
  return { res, jar }
}

describe('signing in with OpenID Connect (a real oidc-provider)', () => {
  it('signs an admin in with PKCE and returns to where they were going', async () => {
    const { res, jar } = await signIn('alice')
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe('/teams/payments')
    const setCookie = String([res.headers['set-cookie']].flat().find((c) => String(c).startsWith('meridian_session=')))
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/Secure/)
    expect(setCookie).toMatch(/SameSite=Lax/)
    const me = await app.inject({ url: '/api/me', headers: { cookie: jar.header(MERIDIAN) } })
    expect(me.json()).toMatchObject({ mode: 'oidc', signedIn: true, user: { name: 'alice@example.com', role: 'admin', teams: [], kind: 'user' } })
    expect(me.json().csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })

  it('maps groups to the team role and to viewer', async () => {
    const bob = await signIn('bob')
    const bobMe = await app.inject({ url: '/api/me', headers: { cookie: bob.jar.header(MERIDIAN) } })
    expect(bobMe.json().user).toMatchObject({ role: 'team', teams: ['payments'] })
    const carol = await signIn('carol')
    const carolMe = await app.inject({ url: '/api/me', headers: { cookie: carol.jar.header(MERIDIAN) } })
    expect(carolMe.json().user).toMatchObject({ role: 'viewer', teams: [] })
    expect((await app.inject({ url: '/api/teams', headers: { cookie: carol.jar.header(MERIDIAN) } })).statusCode).toBe(200)
    expect((await app.inject({ url: '/api/audit', headers: { cookie: carol.jar.header(MERIDIAN) } })).statusCode).toBe(403)
  })

  it('refuses a user with no Meridian role and audits it', async () => {
    const { res } = await signIn('mallory')
    expect(res.statusCode).toBe(403)
    expect(res.json().error.message).toBe('mallory@example.com signed in but has no Meridian role: ask an admin to add one of your groups to auth.oidc.roles.')
    const denied = await db.db.selectFrom('audit_log').select(['actor', 'action']).where('action', '=', 'auth.denied').execute()
    expect(denied).toEqual([{ actor: 'user:mallory (mallory@example.com)', action: 'auth.denied' }])
  })

  it('requires the CSRF token on cookie-authenticated writes', async () => {
    const { jar } = await signIn('alice')
    const cookie = jar.header(MERIDIAN)
    const csrf = (await app.inject({ url: '/api/me', headers: { cookie } })).json().csrfToken
    const body = { name: 'ci', scopes: ['ingest'] }
    const without = await app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie }, payload: body })
    expect(without.statusCode).toBe(403)
    expect(without.json().error.message).toBe('Missing or wrong x-csrf-token header (get it from GET /api/me).')
    const wrong = await app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie, 'x-csrf-token': 'nope' }, payload: body })
    expect(wrong.statusCode).toBe(403)
    const ok = await app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie, 'x-csrf-token': csrf }, payload: body })
    expect(ok.statusCode).toBe(201)
    const audit = await app.inject({ url: '/api/audit?targetType=api_token', headers: { cookie } })
    expect(audit.json().entries[0]).toMatchObject({ actor: 'user:alice (alice@example.com)', action: 'token.create', before: null, after: { name: 'ci', scopes: ['ingest'] } })
  })

  it('rejects a callback whose state was tampered with, without logging any secret', async () => {
    idp.nextAccount = 'alice'
    const start = await app.inject({ url: '/auth/login' })
    const jar = new CookieJar()
    jar.store(MERIDIAN, start.headers['set-cookie'])
    const res = await app.inject({ url: '/auth/callback?code=stolen-code-value&state=forged-state', headers: { cookie: jar.header(MERIDIAN) } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.message).toContain('Sign-in failed')
    const text = logs.join('\n')
    expect(text).not.toContain(idp.clientSecret)
    expect(text).not.toContain('stolen-code-value')
    expect(text).not.toContain('a-session-secret-that-is-long-enough')
    expect(text).not.toMatch(/meridian_(login|session)=[A-Za-z0-9_-]{20,}/)
  })

  it('rejects a callback without its sign-in cookie', async () => {
    const res = await app.inject({ url: '/auth/callback?code=x&state=y' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.message).toBe('The sign-in attempt expired or was started in another browser; start again at /auth/login.')
  })

  it('asks anonymous callers to sign in, and never redirects off-site after sign-in', async () => {
    const anon = await app.inject({ url: '/api/teams' })
    expect(anon.statusCode).toBe(401)
    expect(anon.json().error.code).toBe('unauthorized')
    const { res } = await signIn('alice', '//evil.example.com/x')
    expect(res.headers.location).toBe('/')
  })
})
