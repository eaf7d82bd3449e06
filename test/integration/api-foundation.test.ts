import { readdirSync } from 'node:fs'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { connectPostgres } from '../../server/db/connect.ts'
import { replaceConfigTeams } from '../../server/repositories/teams.repository.ts'
import { createTestDatabase, forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'

const MIGRATIONS = readdirSync(new URL('../../migrations/', import.meta.url)).filter((f) => f.endsWith('.ts')).length
const NOW = new Date('2026-11-22T12:00:00Z')

const config = testConfig({
  organisation: 'Acme',
  teams: [
    { id: 'payments', name: 'Payments', repos: ['acme/payments-api', 'acme/payments-web'], services: ['payments-api'] },
    { id: 'platform', name: 'Platform', repos: ['acme/*'] },
  ],
  sources: { github: { token: 'ghp_fake_token_for_tests', repos: ['acme/*'] }, prometheus: { url: 'http://127.0.0.1:9090' } },
})

forEachBackend('foundation API', (ctx) => {
  const app = async () => buildApp({ config, db: ctx.db, logger: false, clock: () => NOW })

  it('GET /healthz answers ok', async () => {
    const res = await (await app()).inject({ url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })

  it('GET /readyz reports a reachable database with current migrations', async () => {
    const res = await (await app()).inject({ url: '/readyz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ready', database: { kind: ctx.backend, reachable: true }, migrations: { current: true, pending: [] } })
  })

  it('GET /api/org describes the organisation without any secret', async () => {
    const res = await (await app()).inject({ url: '/api/org' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      organisation: 'Acme',
      timezone: 'UTC',
      database: ctx.backend,
      demo: null,
      sources: ['github', 'prometheus'],
      auth: { mode: 'open-local' },
      version: '0.1.0',
    })
    expect(res.body).not.toContain('ghp_fake_token_for_tests')
  })

  it('GET /api/teams lists the configured teams with what they own', async () => {
    await replaceConfigTeams(ctx.db.db, config.teams)
    const res = await (await app()).inject({ url: '/api/teams' })
    expect(res.json()).toEqual({
      teams: [
        { id: 'payments', name: 'Payments', repos: ['acme/payments-api', 'acme/payments-web'], services: ['payments-api'], source: 'config' },
        { id: 'platform', name: 'Platform', repos: ['acme/*'], services: [], source: 'config' },
      ],
    })
  })

  it('replacing the config teams drops a removed team and keeps it idempotent', async () => {
    await replaceConfigTeams(ctx.db.db, [config.teams[1]!])
    await replaceConfigTeams(ctx.db.db, [config.teams[1]!])
    const res = await (await app()).inject({ url: '/api/teams' })
    expect(res.json().teams.map((t: { id: string }) => t.id)).toEqual(['platform'])
  })

  it('GET /api/sync reports freshness per source and scope, and row counts', async () => {
    await ctx.db.db
      .insertInto('sync_state')
      .values([
        { source: 'github', scope: 'acme/api:pull_requests', last_started_at: '2026-11-22T11:00:00Z', last_success_at: '2026-11-22T11:02:00Z', rows_written: 40, request_count: 3 },
        { source: 'pagerduty', scope: 'incidents', last_started_at: '2026-11-22T11:00:00Z', last_success_at: '2026-11-21T11:00:00Z', last_error: 'HTTP 401: token rejected', last_error_at: '2026-11-22T11:00:05Z' },
      ])
      .execute()
    const res = await (await app()).inject({ url: '/api/sync' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.entries).toEqual([
      { source: 'github', scope: 'acme/api:pull_requests', status: 'fresh', lastStartedAt: '2026-11-22T11:00:00.000Z', lastSuccessAt: '2026-11-22T11:02:00.000Z', lastError: null, lastErrorAt: null, rowsWritten: 40, requestCount: 3 },
      { source: 'pagerduty', scope: 'incidents', status: 'error', lastStartedAt: '2026-11-22T11:00:00.000Z', lastSuccessAt: '2026-11-21T11:00:00.000Z', lastError: 'HTTP 401: token rejected', lastErrorAt: '2026-11-22T11:00:05.000Z', rowsWritten: 0, requestCount: 0 },
    ])
    expect(body.rows).toEqual({ repository: 0, pull_request: 0, deployment: 0, incident: 0, issue: 0, vulnerability_alert: 0, sli_sample: 0, measurement: 0 })
  })

  it('serves the OpenAPI document at /api/docs', async () => {
    const a = await app()
    const json = await a.inject({ url: '/api/docs/json' })
    expect(json.statusCode).toBe(200)
    const doc = json.json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/api/org', '/api/teams', '/api/sync']))
    const ui = await a.inject({ url: '/api/docs/' })
    expect(ui.statusCode).toBe(200)
    expect(ui.headers['content-type']).toContain('text/html')
  })
})

describe('readiness when something is wrong', () => {
  const opened: { drop(): Promise<void> }[] = []
  afterAll(async () => {
    for (const d of opened) await d.drop()
  })

  it('GET /readyz is 503 and lists pending migrations on an unmigrated database', async () => {
    const db = await createTestDatabase('pglite', { migrate: false })
    opened.push(db)
    const res = await (await buildApp({ config, db, logger: false })).inject({ url: '/readyz' })
    expect(res.statusCode).toBe(503)
    const body = res.json()
    expect(body.status).toBe('unavailable')
    expect(body.database).toEqual({ kind: 'pglite', reachable: true })
    expect(body.migrations.pending).toHaveLength(MIGRATIONS)
  })

  it('GET /readyz is 503 within 2 s and API routes 503 when PostgreSQL is unreachable', async () => {
    // Port 1 on loopback: nothing listens, so every connection is refused at once.
    const db = connectPostgres('postgres://postgres@127.0.0.1:1/none', { max: 1 })
    const a = await buildApp({ config, db, logger: false })
    const started = Date.now()
    const ready = await a.inject({ url: '/readyz' })
    expect(Date.now() - started).toBeLessThan(2_500)
    expect(ready.statusCode).toBe(503)
    expect(ready.json().database.reachable).toBe(false)
    const teams = await a.inject({ url: '/api/teams' })
    expect(teams.statusCode).toBe(503)
    expect(teams.json().error.code).toBe('database_unavailable')
    await db.close()
  })
})

describe('the dashboard', () => {
  it('serves index.html for client routes but never for /api', async () => {
    const webDir = mkdtempSync(join(tmpdir(), 'meridian-web-'))
    mkdirSync(join(webDir, 'assets'))
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Meridian</title><div id="app"></div>')
    writeFileSync(join(webDir, 'assets', 'app.js'), 'console.log(1)')
    const db = await createTestDatabase('pglite')
    const a = await buildApp({ config: testConfig({}, { webDir }), db, logger: false })
    expect((await a.inject({ url: '/' })).body).toContain('<title>Meridian</title>')
    const deep = await a.inject({ url: '/teams/payments' })
    expect(deep.statusCode).toBe(200)
    expect(deep.body).toContain('<div id="app">')
    expect((await a.inject({ url: '/assets/app.js' })).body).toBe('console.log(1)')
    expect((await a.inject({ url: '/assets/missing.js' })).statusCode).toBe(404)
    const api = await a.inject({ url: '/api/nope' })
    expect(api.statusCode).toBe(404)
    expect(api.json().error.code).toBe('not_found')
    await a.close()
    await db.drop()
  })
})
