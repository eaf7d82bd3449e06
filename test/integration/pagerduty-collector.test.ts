import { sql } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { collectPagerDuty } from '../../collectors/pagerduty/index.ts'
import { acquireLease, releaseLease } from '../../collectors/shared/lease-lock.ts'
import { getSyncState } from '../../collectors/shared/sync-state.ts'
import { type FakePagerDuty, type PdSeed, startFakePagerDuty } from '../fixtures/pagerduty-fake/index.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const NOW = new Date('2026-11-20T00:00:00Z')
const DAY = 86_400_000
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
const daysAgo = (d: number, hours = 0) => iso(NOW.getTime() - d * DAY + hours * 3_600_000)

function configFor(fake: FakePagerDuty) {
  return testConfig({
    teams: [
      { id: 'payments', name: 'Payments', services: ['payments-api'] },
      { id: 'search', name: 'Search', repos: ['acme/search'] },
    ],
    sources: {
      pagerduty: {
        baseUrl: fake.url,
        token: fake.token,
        services: { PSVC001: 'payments-api', PSVC002: 'search' },
        severity: { P1: 'sev1', P2: 'sev2', high: 'sev2', low: 'sev4' },
        webhookSecret: 'whsec',
      },
    },
  })
}

forEachBackend('PagerDuty collector', (ctx) => {
  let fake: FakePagerDuty
  let waits: number[]
  const sleep = async (ms: number) => {
    waits.push(ms)
  }
  const run = (extra: Parameters<typeof collectPagerDuty>[2] = {}) => collectPagerDuty(ctx.db.db, configFor(fake), { now: () => NOW, sleep, attribution: false, ...extra })
  const rows = () =>
    ctx.db.db
      .selectFrom('incident')
      .select(['external_id', 'reference', 'service', 'team_id', 'severity', 'title', 'status', 'started_at', 'acknowledged_at', 'resolved_at', 'root_cause_key', 'labels', 'url'])
      .where('source', '=', 'pagerduty')
      .orderBy('external_id')
      .execute()

  beforeEach(async () => {
    waits = []
    await sql`delete from incident`.execute(ctx.db.db)
    await sql`delete from sync_state`.execute(ctx.db.db)
  })
  afterEach(async () => {
    fake.assertClean()
    await fake.close()
  })

  it('backfills 12 months in windows of at most 6 months and maps severity, service, team and times', async () => {
    fake = await startFakePagerDuty({
      incidents: [
        // priority wins over urgency: P1 with low urgency is sev1
        { id: 'PA00001', number: 1, title: 'Checkout 500s on pod 7f3a9c21', priority: 'P1', urgency: 'low', serviceId: 'PSVC001', createdAt: daysAgo(360), status: 'resolved', resolvedAt: daysAgo(360, 2), incidentKey: 'checkout-5xx' },
        // no priority: the urgency's entry
        { id: 'PB00002', number: 2, title: 'Search latency', urgency: 'high', serviceId: 'PSVC002', createdAt: daysAgo(200), status: 'acknowledged', acknowledgedAt: daysAgo(200, 1) },
        // a priority the map does not know: no severity, and the urgency is NOT used
        { id: 'PC00003', number: 3, title: 'Disk 91% full', priority: 'P3', urgency: 'high', serviceId: 'PSVC001', createdAt: daysAgo(100), status: 'triggered' },
        // older data: resolved without resolved_at
        { id: 'PD00004', number: 4, title: 'Queue backlog', urgency: 'low', serviceId: 'PSVC999', createdAt: daysAgo(3), status: 'resolved', omitResolvedAt: true, lastStatusChangeAt: daysAgo(3, 5) },
        // outside the 12-month backfill
        { id: 'PE00005', number: 5, title: 'Too old', createdAt: daysAgo(400), status: 'resolved', resolvedAt: daysAgo(399) },
      ],
    })
    const report = await run()
    expect(report.errors).toEqual([])
    expect(report).toMatchObject({ requests: 3, rows: 4, removed: 0 })

    const calls = fake.requestsTo('/incidents')
    expect(calls.map((c) => [c.query.since, c.query.until, c.query.offset, c.query.limit])).toEqual([
      [new Date(NOW.getTime() - 365 * DAY).toISOString(), new Date(NOW.getTime() - 185 * DAY).toISOString(), '0', '100'],
      [new Date(NOW.getTime() - 185 * DAY).toISOString(), new Date(NOW.getTime() - 5 * DAY).toISOString(), '0', '100'],
      [new Date(NOW.getTime() - 5 * DAY).toISOString(), NOW.toISOString(), '0', '100'],
    ])
    for (const c of calls) {
      expect(c.authorization).toBe(`Token token=${fake.token}`)
      expect(c.accept).toBe('application/vnd.pagerduty+json;version=2')
    }

    expect(await rows()).toEqual([
      {
        external_id: 'PA00001',
        reference: '#1',
        service: 'payments-api',
        team_id: 'payments',
        severity: 'sev1',
        title: 'Checkout 500s on pod 7f3a9c21',
        status: 'resolved',
        started_at: new Date(daysAgo(360)),
        acknowledged_at: null,
        resolved_at: new Date(daysAgo(360, 2)),
        root_cause_key: 'checkout-5xx',
        labels: ['priority:P1', 'urgency:low'],
        url: 'https://acme.pagerduty.com/incidents/PA00001',
      },
      {
        external_id: 'PB00002',
        reference: '#2',
        service: 'search',
        team_id: 'search',
        severity: 'sev2',
        title: 'Search latency',
        status: 'acknowledged',
        started_at: new Date(daysAgo(200)),
        acknowledged_at: new Date(daysAgo(200, 1)),
        resolved_at: null,
        root_cause_key: 'key-pb00002',
        labels: ['urgency:high'],
        url: 'https://acme.pagerduty.com/incidents/PB00002',
      },
      {
        external_id: 'PC00003',
        reference: '#3',
        service: 'payments-api',
        team_id: 'payments',
        severity: null,
        title: 'Disk 91% full',
        status: 'triggered',
        started_at: new Date(daysAgo(100)),
        acknowledged_at: null,
        resolved_at: null,
        root_cause_key: 'key-pc00003',
        labels: ['priority:P3', 'urgency:high'],
        url: 'https://acme.pagerduty.com/incidents/PC00003',
      },
      {
        external_id: 'PD00004',
        reference: '#4',
        service: null,
        team_id: null,
        severity: 'sev4',
        title: 'Queue backlog',
        status: 'resolved',
        started_at: new Date(daysAgo(3)),
        acknowledged_at: null,
        resolved_at: new Date(daysAgo(3, 5)),
        root_cause_key: 'key-pd00004',
        labels: ['urgency:low'],
        url: 'https://acme.pagerduty.com/incidents/PD00004',
      },
    ])
    const state = await getSyncState(ctx.db.db, 'pagerduty', 'incidents')
    expect(state).toMatchObject({ last_error: null, rows_written: 4, request_count: 3 })
    const cursor = typeof state!.cursor === 'string' ? JSON.parse(state!.cursor) : state!.cursor
    // The oldest open incident is re-read next time, so its resolution is seen.
    expect(cursor).toEqual({ until: NOW.toISOString(), oldestOpen: new Date(daysAgo(200)).toISOString() })
  })

  it('is incremental: re-reads from the oldest open incident and picks up its resolution; a re-run writes the same rows', async () => {
    fake = await startFakePagerDuty({
      incidents: [
        { id: 'PA00001', createdAt: daysAgo(20), status: 'triggered', urgency: 'high' },
        { id: 'PB00002', createdAt: daysAgo(10), status: 'resolved', resolvedAt: daysAgo(10, 1), urgency: 'low' },
      ],
    })
    await run({ since: new Date(daysAgo(30)) })
    const first = await rows()
    const later = new Date(NOW.getTime() + 2 * DAY)
    fake.incidents.splice(0, 1)
    fake.add({ id: 'PA00001', createdAt: daysAgo(20), status: 'resolved', resolvedAt: daysAgo(-1), urgency: 'high' }, { id: 'PC00003', createdAt: daysAgo(-1.5), status: 'triggered', priority: 'P2' })
    const report = await run({ now: () => later })
    expect(report.errors).toEqual([])
    expect(fake.requestsTo('/incidents').at(-1)!.query.since).toBe(new Date(daysAgo(20)).toISOString())
    expect((await rows()).map((r) => [r.external_id, r.status, r.severity, r.resolved_at?.toISOString() ?? null])).toEqual([
      ['PA00001', 'resolved', 'sev2', new Date(daysAgo(-1)).toISOString()],
      ['PB00002', 'resolved', 'sev4', new Date(daysAgo(10, 1)).toISOString()],
      ['PC00003', 'triggered', 'sev2', null],
    ])
    expect(first).toHaveLength(2)
    const again = await run({ now: () => later, full: true, since: new Date(daysAgo(30)) })
    expect(again.rows).toBe(3)
    expect(await rows()).toHaveLength(3)
  })

  it('follows `more` through offset pages of 100', async () => {
    const seeds: PdSeed[] = Array.from({ length: 250 }, (_, i) => ({ id: `PM${String(i).padStart(5, '0')}`, createdAt: iso(NOW.getTime() - 20 * DAY + i * 60_000), urgency: 'high' }))
    fake = await startFakePagerDuty({ incidents: seeds })
    // a truncated body is retried like a 5xx
    fake.fail({ status: 500, truncate: true })
    const report = await run({ since: new Date(daysAgo(30)) })
    expect(report).toMatchObject({ requests: 4, rows: 250, errors: [] })
    expect(waits).toEqual([1_000])
    expect(fake.requestsTo('/incidents').map((c) => c.query.offset)).toEqual(['0', '0', '100', '200'])
    expect(await rows()).toHaveLength(250)
  })

  it('splits a window whose incidents exceed the 10,000 offset cap (with and without `total`)', async () => {
    const start = NOW.getTime() - 20 * DAY
    const seeds: PdSeed[] = Array.from({ length: 10_050 }, (_, i) => ({ id: `PX${String(i).padStart(6, '0')}`, createdAt: iso(start + i * 60_000), urgency: 'low' }))
    fake = await startFakePagerDuty({ incidents: seeds })
    const report = await run({ since: new Date(daysAgo(30)) })
    expect(report.errors).toEqual([])
    expect(report.rows).toBe(10_050)
    const calls = fake.requestsTo('/incidents')
    expect(calls.every((c) => Number(c.query.offset) + Number(c.query.limit) <= 10_000 && c.status === 200)).toBe(true)
    // The 30-day window holds 10,050: it is split in two halves of 15 days, each read completely.
    expect(calls[0]!.query).toMatchObject({ since: new Date(daysAgo(30)).toISOString(), until: NOW.toISOString(), total: 'true' })
    expect(calls[1]!.query).toMatchObject({ since: new Date(daysAgo(30)).toISOString(), until: new Date(daysAgo(15)).toISOString(), offset: '0' })
    const { n } = (await sql<{ n: number }>`select count(*)::int as n from incident where source = 'pagerduty'`.execute(ctx.db.db)).rows[0]!
    expect(n).toBe(10_050)
    fake.assertClean()
    await fake.close()

    fake = await startFakePagerDuty({ incidents: seeds, omitTotal: true })
    const again = await run({ since: new Date(daysAgo(30)), full: true })
    expect(again.errors).toEqual([])
    const calls2 = fake.requestsTo('/incidents')
    expect(calls2.every((c) => Number(c.query.offset) + Number(c.query.limit) <= 10_000 && c.status === 200)).toBe(true)
    // 100 pages reach the cap; the rest of the window (from the last incident read) is read in halves.
    expect(calls2[99]!.query.offset).toBe('9900')
    expect(calls2[100]!.query).toMatchObject({ since: new Date(start + 9_999 * 60_000).toISOString(), offset: '0' })
    expect((await sql<{ n: number }>`select count(*)::int as n from incident where source = 'pagerduty'`.execute(ctx.db.db)).rows[0]!.n).toBe(10_050)
  })

  it('retries 429 (ratelimit-reset, retry-after, no headers) and 5xx with bounded waits', async () => {
    fake = await startFakePagerDuty({ incidents: [{ id: 'PA00001', createdAt: daysAgo(2), priority: 'P2', urgency: 'low' }] })
    fake.fail({ status: 429, headers: { 'ratelimit-reset': '2' } }, { status: 429 }, { status: 503 }, { status: 429, headers: { 'retry-after': '3' } }, { status: 429, headers: { 'ratelimit-reset': '600' } })
    const report = await run({ since: new Date(daysAgo(10)) })
    expect(report.errors).toEqual([])
    expect(report).toMatchObject({ requests: 6, rows: 1 })
    expect(waits).toEqual([2_000, 2_000, 4_000, 3_000, 120_000])
    expect((await rows()).map((r) => [r.external_id, r.severity])).toEqual([['PA00001', 'sev2']])
  })

  it('records a failure and keeps the cursor where the last success left it', async () => {
    fake = await startFakePagerDuty({ incidents: [{ id: 'PA00001', createdAt: daysAgo(2) }] })
    await run({ since: new Date(daysAgo(10)) })
    const before = await getSyncState(ctx.db.db, 'pagerduty', 'incidents')
    fake.fail(...Array.from({ length: 6 }, () => ({ status: 500 as const })))
    const report = await run({ now: () => new Date(NOW.getTime() + DAY) })
    expect(report.requests).toBe(6)
    expect(report.errors).toHaveLength(1)
    expect(report.errors[0]!.message).toMatch(/HTTP 500 — gave up after 6 attempts/)
    const after = await getSyncState(ctx.db.db, 'pagerduty', 'incidents')
    expect(after!.last_error).toMatch(/HTTP 500/)
    expect(after!.cursor).toEqual(before!.cursor)
    expect(after!.last_success_at).toEqual(before!.last_success_at)
  })

  it('attributes the stored incidents to deployments afterwards', async () => {
    fake = await startFakePagerDuty({ incidents: [{ id: 'PA00001', createdAt: daysAgo(2), serviceId: 'PSVC001' }] })
    const report = await run({ attribution: true })
    expect(report.errors).toEqual([])
    expect(report.attribution).toEqual({ incidents: 1 })
  })

  it('skips when another collect holds the lease', async () => {
    fake = await startFakePagerDuty({ incidents: [{ id: 'PA00001', createdAt: daysAgo(2) }] })
    await acquireLease(ctx.db.db, { source: 'pagerduty', scope: 'incidents', holder: 'other-worker', ttlSeconds: 60 })
    const report = await run()
    expect(report.skipped).toEqual([{ scope: 'incidents', reason: expect.stringContaining('other-worker') }])
    expect(report.requests).toBe(0)
    expect(await rows()).toEqual([])
    await releaseLease(ctx.db.db, { source: 'pagerduty', scope: 'incidents', holder: 'other-worker' })
  })
})
