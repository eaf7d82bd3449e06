import fc from 'fast-check'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { createApiToken } from '../../server/auth/token-service.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'
import { fuzzWriteRoute } from '../support/fuzz-route.ts'

const NOW = new Date('2026-11-22T12:00:00Z')
const config = testConfig({
  teams: [{ id: 'payments', name: 'Payments', services: ['payments-api'] }],
  sources: { github: { token: 'x', repos: ['acme/*'], services: { 'acme/monorepo': 'checkout' } } },
  auth: { oidc: { issuer: 'https://login.invalid', clientId: 'm' }, sessionSecret: 'ingest-session-secret-0123456789-0123456789' },
})

const deployment = (n: number, over: Record<string, unknown> = {}) => ({
  id: `jenkins-${n}`,
  repo: 'acme/payments-api',
  environment: n % 2 ? 'Production' : 'staging',
  sha: `abcdef${String(n).padStart(2, '0')}`,
  status: 'success',
  started_at: '2026-11-20T10:00:00Z',
  finished_at: '2026-11-20T10:05:00Z',
  ...over,
})
const incident = (n: number, over: Record<string, unknown> = {}) => ({
  id: `INC-${n}`,
  service: 'payments-api',
  severity: 'sev1',
  title: `Checkout errors ${n}`,
  started_at: '2026-11-20T10:20:00Z',
  resolved_at: '2026-11-20T11:10:00Z',
  ...over,
})
const sli = (n: number, over: Record<string, unknown> = {}) => ({
  slo_id: 'payments-api-availability',
  service: 'payments-api',
  interval_start: new Date(Date.UTC(2026, 10, 20, n)).toISOString(),
  interval_end: new Date(Date.UTC(2026, 10, 20, n + 1)).toISOString(),
  good: 990,
  total: 1000,
  ...over,
})

forEachBackend('ingest API', (ctx) => {
  let app: FastifyInstance
  const tokens: Record<string, string> = {}
  beforeAll(async () => {
    app = await buildApp({ config, db: ctx.db, clock: () => NOW, logger: false })
    const at = { actor: 'test', now: NOW }
    tokens.read = (await createApiToken(ctx.db.db, { name: 'dash', scopes: ['read'] }, at)).token
    tokens.ingest = (await createApiToken(ctx.db.db, { name: 'jenkins', scopes: ['ingest'] }, at)).token
    tokens.admin = (await createApiToken(ctx.db.db, { name: 'ops', scopes: ['admin'] }, at)).token
  })
  afterAll(async () => app?.close())

  const post = (url: string, payload: unknown, token: string | null = tokens.ingest!) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} })
  const count = async (table: 'deployment' | 'incident' | 'sli_sample' | 'audit_log') => Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(ctx.db.db)).rows[0]!.n)

  it.each([
    ['/api/deployments', { items: [deployment(90)] }],
    ['/api/incidents', { items: [incident(90, { severity: 'sev4' })] }],
    ['/api/slis', { items: [sli(0, { slo_id: 'auth-check' })] }],
  ])('%s: no token 401, read token 403, ingest token 200, admin token 200', async (url, body) => {
    expect((await post(url, body, null)).statusCode).toBe(401)
    expect((await post(url, body, tokens.read)).statusCode).toBe(403)
    expect((await post(url, body, tokens.ingest)).statusCode).toBe(200)
    expect((await post(url, body, tokens.admin)).statusCode).toBe(200)
  })

  it('stores deployments with source api, production from the configured pattern, and the repository service', async () => {
    const res = await post('/api/deployments', { items: [deployment(1), deployment(2), deployment(3, { repo: undefined, service: 'ledger', environment: 'prod' }), deployment(4, { repo: 'acme/monorepo' })] })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ received: 4, inserted: 4, updated: 0 })
    const rows = await ctx.db.db
      .selectFrom('deployment')
      .select(['source', 'external_id', 'service', 'environment', 'is_production', 'sha', 'status', 'started_at', 'finished_at'])
      .where('external_id', 'in', ['jenkins-1', 'jenkins-2', 'jenkins-3', 'jenkins-4'])
      .orderBy('external_id')
      .execute()
    const start = new Date('2026-11-20T10:00:00Z')
    const end = new Date('2026-11-20T10:05:00Z')
    expect(rows).toEqual([
      { source: 'api', external_id: 'jenkins-1', service: 'payments-api', environment: 'Production', is_production: true, sha: 'abcdef01', status: 'success', started_at: start, finished_at: end },
      { source: 'api', external_id: 'jenkins-2', service: 'payments-api', environment: 'staging', is_production: false, sha: 'abcdef02', status: 'success', started_at: start, finished_at: end },
      { source: 'api', external_id: 'jenkins-3', service: 'ledger', environment: 'prod', is_production: true, sha: 'abcdef03', status: 'success', started_at: start, finished_at: end },
      { source: 'api', external_id: 'jenkins-4', service: 'checkout', environment: 'staging', is_production: false, sha: 'abcdef04', status: 'success', started_at: start, finished_at: end },
    ])
  })

  it('is idempotent: the same batch twice leaves the same rows and reports updates', async () => {
    const batch = { items: [deployment(1), deployment(2), deployment(3, { repo: undefined, service: 'ledger', environment: 'prod' }), deployment(4, { repo: 'acme/monorepo' })] }
    const snapshot = () => ctx.db.db.selectFrom('deployment').select(['id', 'external_id', 'service', 'status', 'finished_at', 'is_production']).orderBy('id').execute()
    const before = await snapshot()
    const res = await post('/api/deployments', batch)
    expect(res.json()).toEqual({ received: 4, inserted: 0, updated: 4 })
    expect(await snapshot()).toEqual(before)

    const slis = { items: [sli(1), sli(2)] }
    expect((await post('/api/slis', slis)).json()).toEqual({ received: 2, inserted: 2, updated: 0 })
    expect((await post('/api/slis', slis)).json()).toEqual({ received: 2, inserted: 0, updated: 2 })
    const stored = await ctx.db.db.selectFrom('sli_sample').select(['source', 'slo_id', 'interval_start', 'good', 'total']).where('slo_id', '=', 'payments-api-availability').orderBy('interval_start').execute()
    expect(stored).toEqual([
      { source: 'api', slo_id: 'payments-api-availability', interval_start: new Date('2026-11-20T01:00:00Z'), good: 990, total: 1000 },
      { source: 'api', slo_id: 'payments-api-availability', interval_start: new Date('2026-11-20T02:00:00Z'), good: 990, total: 1000 },
    ])
  })

  it('stores incidents with their explicit causes and recomputes the incident-derived SLI', async () => {
    const res = await post('/api/incidents', {
      items: [
        incident(1, { caused_by_deployment: 'jenkins-1', root_cause_key: 'db-pool', is_security: false }),
        incident(2, { severity: 'sev2', started_at: '2026-11-20T10:50:00Z', resolved_at: '2026-11-20T12:00:00Z', caused_by_sha: 'ABCDEF01', caused_by_pr: 42, is_security: true }),
      ],
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ received: 2, inserted: 2, updated: 0 })
    const rows = await ctx.db.db
      .selectFrom('incident')
      .select(['source', 'external_id', 'service', 'team_id', 'severity', 'caused_by_deployment', 'caused_by_sha', 'caused_by_pr', 'root_cause_key', 'is_security', 'status'])
      .where('external_id', 'in', ['INC-1', 'INC-2'])
      .orderBy('external_id')
      .execute()
    expect(rows).toEqual([
      { source: 'api', external_id: 'INC-1', service: 'payments-api', team_id: 'payments', severity: 'sev1', caused_by_deployment: 'jenkins-1', caused_by_sha: null, caused_by_pr: null, root_cause_key: 'db-pool', is_security: false, status: 'resolved' },
      { source: 'api', external_id: 'INC-2', service: 'payments-api', team_id: 'payments', severity: 'sev2', caused_by_deployment: null, caused_by_sha: 'abcdef01', caused_by_pr: 42, root_cause_key: 'payments-api:checkout errors', is_security: true, status: 'resolved' },
    ])
    const derived = await ctx.db.db.selectFrom('sli_sample').select(['interval_start', 'good', 'total']).where('slo_id', '=', 'payments-api-incident-availability').orderBy('interval_start').execute()
    expect(derived.map((r) => [r.interval_start.toISOString(), r.good, r.total])).toEqual([
      ['2026-11-20T10:00:00.000Z', 20, 60],
      ['2026-11-20T11:00:00.000Z', 0, 60],
    ])
    // Resolving INC-2 earlier recomputes the hours it used to cover.
    await post('/api/incidents', { items: [incident(2, { severity: 'sev2', started_at: '2026-11-20T10:50:00Z', resolved_at: '2026-11-20T11:30:00Z' })] })
    const after = await ctx.db.db.selectFrom('sli_sample').select(['interval_start', 'good']).where('slo_id', '=', 'payments-api-incident-availability').orderBy('interval_start').execute()
    expect(after.map((r) => [r.interval_start.toISOString(), r.good])).toEqual([
      ['2026-11-20T10:00:00.000Z', 20],
      ['2026-11-20T11:00:00.000Z', 30],
    ])
  })

  it('audits each accepted batch with who sent it', async () => {
    const row = await ctx.db.db.selectFrom('audit_log').select(['actor', 'action', 'target_type']).where('action', '=', 'slis.ingest').orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(row).toEqual({ actor: expect.stringMatching(/^token:\d+ \(token "jenkins"\)$/), action: 'slis.ingest', target_type: 'sli_sample' })
  })

  const required = {
    '/api/deployments': [deployment(50), ['id', 'environment', 'sha', 'status', 'started_at', 'finished_at']],
    '/api/incidents': [incident(50), ['id', 'service', 'severity', 'title', 'started_at']],
    '/api/slis': [sli(5, { slo_id: 'required-check' }), ['slo_id', 'interval_start', 'interval_end', 'good', 'total']],
  } as const
  it.each(Object.entries(required).flatMap(([url, [item, fields]]) => fields.map((f) => [url, f, item] as const)))('%s without %s → 400 naming items[1].%s, nothing stored', async (url, field, item) => {
    const before = await Promise.all([count('deployment'), count('incident'), count('sli_sample'), count('audit_log')])
    const bad = ('id' in item ? { ...item, id: 'other' } : { ...item, interval_start: '2026-11-20T07:00:00Z', interval_end: '2026-11-20T08:00:00Z' }) as Record<string, unknown>
    delete bad[field]
    const res = await post(url, { items: [item, bad] })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.details).toEqual([{ field: `items[1].${field}`, message: 'is required' }])
    expect(await Promise.all([count('deployment'), count('incident'), count('sli_sample'), count('audit_log')])).toEqual(before)
  })

  it('names every bad field of a batch at once, semantic checks included, and stores nothing', async () => {
    const before = await count('deployment')
    const res = await post('/api/deployments', {
      items: [
        deployment(60),
        deployment(61, { status: 'done' }),
        deployment(62, { finished_at: '2026-11-20T09:00:00Z' }),
        deployment(63, { repo: 'not-a-repo' }),
        deployment(64, { repo: undefined }),
        deployment(60, { extra: 1 }),
      ],
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.details).toEqual([
      { field: 'items[1].status', message: 'must be one of success, failure' },
      { field: 'items[5].extra', message: 'is not a known field' },
      { field: 'items[2].finished_at', message: 'must not be before started_at' },
      { field: 'items[3].repo', message: 'must be owner/name, e.g. acme/payments-api' },
      { field: 'items[4].service', message: 'is required when repo is not given (give service, repo or both)' },
      { field: 'items[5].id', message: 'repeats items[0].id: each id may appear once per batch' },
    ])
    expect(await count('deployment')).toBe(before)

    const slis = await post('/api/slis', { items: [sli(3, { good: 1001 }), sli(4, { interval_end: sli(4).interval_start })] })
    expect(slis.json().error.details).toEqual([
      { field: 'items[0].good', message: 'must not exceed total' },
      { field: 'items[1].interval_end', message: 'must be after interval_start' },
    ])
  })

  it.each(['/api/deployments', '/api/incidents', '/api/slis'])('%s rejects an empty batch and a batch of 1,001 items', async (url) => {
    const make = url === '/api/deployments' ? deployment : url === '/api/incidents' ? incident : (n: number) => sli(n % 24, { slo_id: `batch-${n}` })
    const before = await Promise.all([count('deployment'), count('incident'), count('sli_sample')])
    const big = await post(url, { items: Array.from({ length: 1001 }, (_, n) => make(1000 + n)) })
    expect(big.statusCode).toBe(400)
    expect(big.json().error.details).toEqual([{ field: 'items', message: 'must NOT have more than 1000 items' }])
    const empty = await post(url, { items: [] })
    expect(empty.json().error.details).toEqual([{ field: 'items', message: 'must NOT have fewer than 1 items' }])
    expect(await Promise.all([count('deployment'), count('incident'), count('sli_sample')])).toEqual(before)
    const full = await post(url, { items: Array.from({ length: 1000 }, (_, n) => make(3000 + n)) })
    expect(full.json()).toEqual({ received: 1000, inserted: 1000, updated: 0 })
  })

  it.each([
    ['/api/deployments', fc.record({ id: fc.stringMatching(/^d-[a-z0-9]{1,12}$/), service: fc.constantFrom('payments-api', 'ledger'), environment: fc.constantFrom('prod', 'staging'), sha: fc.stringMatching(/^[0-9a-f]{40}$/), status: fc.constantFrom('success', 'failure'), started_at: fc.constant('2026-11-01T10:00:00Z'), finished_at: fc.constant('2026-11-01T10:10:00Z') })],
    ['/api/incidents', fc.record({ id: fc.stringMatching(/^i-[a-z0-9]{1,12}$/), service: fc.constant('ledger'), severity: fc.constantFrom('sev1', 'sev3'), title: fc.stringMatching(/^[A-Za-z][a-z ]{0,20}$/), started_at: fc.constant('2026-11-01T10:00:00Z'), resolved_at: fc.constant('2026-11-01T10:30:00Z') })],
    ['/api/slis', fc.record({ slo_id: fc.stringMatching(/^fuzz-[a-z]{1,8}$/), interval_start: fc.constant('2026-11-01T10:00:00Z'), interval_end: fc.constant('2026-11-01T11:00:00Z'), good: fc.integer({ min: 0, max: 10 }), total: fc.constant(10) })],
  ] as const)('%s under random input: never 500s, never half-writes, names the problem', async (url, item) => {
    const rowCount = async () => (await Promise.all([count('deployment'), count('incident'), count('sli_sample'), count('audit_log')])).reduce((a, b) => a + b, 0)
    await fuzzWriteRoute({ app, method: 'POST', url, headers: { authorization: `Bearer ${tokens.ingest}` }, valid: fc.record({ items: fc.array(item as fc.Arbitrary<Record<string, unknown>>, { minLength: 1, maxLength: 3 }).filter((a) => new Set(a.map((x) => String(x.id ?? x.slo_id))).size === a.length) }), rowCount, runs: 25 })
    // The kit corrupts top-level fields; corrupt item fields too: each must be named as items[0].<field>.
    await fc.assert(
      fc.asyncProperty(item as fc.Arbitrary<Record<string, unknown>>, fc.constantFrom(...Object.keys(required[url][0])), fc.constantFrom('x', 12, true, [], {}), async (valid, field, value) => {
        // Only a change of type is sure to be invalid ('x' for a title, or 12 for a count, may be fine).
        if (!(field in valid) || typeof value === typeof valid[field]) return
        const rows = await rowCount()
        const res = await post(url, { items: [{ ...valid, [field]: value }] })
        expect(res.statusCode, `${field}=${JSON.stringify(value)}`).toBe(400)
        expect(JSON.stringify(res.json().error.details)).toContain(`items[0].${field}`)
        expect(await rowCount()).toBe(rows)
      }),
      { numRuns: 25 },
    )
  })
})
