import { sql } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { collectIncidentIo } from '../../collectors/incidentio/index.ts'
import { getSyncState } from '../../collectors/shared/sync-state.ts'
import { type FakeIncidentIo, type IoSeed, startFakeIncidentIo } from '../fixtures/incidentio-fake/index.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const NOW = new Date('2026-11-20T00:00:00Z')
const at = (s: string) => new Date(s)
const CRITICAL = { name: 'Critical', rank: 3 }
const MAJOR = { name: 'Major', rank: 2 }
const MINOR = { name: 'Minor', rank: 1 }

forEachBackend('incident.io collector', (ctx) => {
  let fake: FakeIncidentIo
  let waits: number[]
  const configFor = (severity?: Record<string, 'sev1' | 'sev2' | 'sev3' | 'sev4' | 'sev5'>) =>
    testConfig({
      teams: [{ id: 'payments', name: 'Payments', services: ['payments-api'] }],
      sources: { incidentio: { baseUrl: fake.url, token: fake.token, services: { Checkout: 'payments-api' }, ...(severity && { severity }) } },
    })
  const run = (extra: Parameters<typeof collectIncidentIo>[2] = {}, config = configFor()) =>
    collectIncidentIo(ctx.db.db, config, { now: () => NOW, sleep: async (ms) => void waits.push(ms), attribution: false, ...extra })
  const rows = () =>
    ctx.db.db
      .selectFrom('incident')
      .select(['external_id', 'reference', 'service', 'team_id', 'severity', 'title', 'status', 'started_at', 'acknowledged_at', 'resolved_at', 'is_security', 'root_cause_key'])
      .where('source', '=', 'incidentio')
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

  const seeds: IoSeed[] = [
    { id: '01A', reference: 'INC-1', name: 'Checkout down 502', severity: CRITICAL, category: 'closed', createdAt: '2026-10-01T10:00:00Z', acceptedAt: '2026-10-01T10:05:00Z', resolvedAt: '2026-10-01T12:00:00Z', service: 'Checkout', updatedAt: '2026-10-02T00:00:00Z' },
    { id: '01B', reference: 'INC-2', name: 'Slow search', severity: MAJOR, category: 'learning', createdAt: '2026-10-05T10:00:00Z', resolveSeconds: 5400 },
    { id: '01C', reference: 'INC-3', name: 'Leaked key', severity: MINOR, category: 'live', createdAt: '2026-10-07T10:00:00Z', incidentType: 'Security incident' },
    { id: '01D', reference: 'INC-4', name: 'Declined', severity: CRITICAL, category: 'declined', createdAt: '2026-10-08T10:00:00Z' },
    { id: '01E', reference: 'INC-5', name: 'Canceled', category: 'canceled', createdAt: '2026-10-09T10:00:00Z' },
    { id: '01F', reference: 'INC-6', name: 'Merged', category: 'merged', createdAt: '2026-10-10T10:00:00Z' },
    { id: '01G', reference: 'INC-7', name: 'Test drill', mode: 'test', category: 'closed', createdAt: '2026-10-11T10:00:00Z', resolvedAt: '2026-10-11T11:00:00Z' },
    { id: '01H', reference: 'INC-8', name: 'Too old', category: 'closed', createdAt: '2025-10-01T10:00:00Z' },
  ]

  it('backfills 12 months, maps severity by rank and resolution times, and leaves out declined, canceled, merged and test incidents', async () => {
    fake = await startFakeIncidentIo({ incidents: seeds })
    const report = await run()
    expect(report.errors).toEqual([])
    expect(report).toMatchObject({ requests: 2, rows: 3, removed: 0 })
    const list = fake.requestsTo('/v2/incidents')
    expect(list.map((r) => r.query)).toEqual([{ page_size: '250', 'created_at[gte]': '2025-11-20' }])
    expect(list[0]!.authorization).toBe(`Bearer ${fake.token}`)
    expect(await rows()).toEqual([
      { external_id: '01A', reference: 'INC-1', service: 'payments-api', team_id: 'payments', severity: 'sev1', title: 'Checkout down 502', status: 'closed', started_at: at('2026-10-01T10:00:00Z'), acknowledged_at: at('2026-10-01T10:05:00Z'), resolved_at: at('2026-10-01T12:00:00Z'), is_security: false, root_cause_key: 'payments-api:checkout down' },
      { external_id: '01B', reference: 'INC-2', service: null, team_id: null, severity: 'sev2', title: 'Slow search', status: 'learning', started_at: at('2026-10-05T10:00:00Z'), acknowledged_at: null, resolved_at: at('2026-10-05T11:30:00Z'), is_security: false, root_cause_key: '-:slow search' },
      { external_id: '01C', reference: 'INC-3', service: null, team_id: null, severity: 'sev3', title: 'Leaked key', status: 'live', started_at: at('2026-10-07T10:00:00Z'), acknowledged_at: null, resolved_at: null, is_security: true, root_cause_key: '-:leaked key' },
    ])
    const state = await getSyncState(ctx.db.db, 'incidentio', 'incidents')
    expect(state).toMatchObject({ last_error: null, rows_written: 3 })
  })

  it('removes an incident declined after it was stored, and reads only what was updated since the last run', async () => {
    fake = await startFakeIncidentIo({ incidents: seeds })
    await run()
    fake.replace({ ...seeds[1]!, category: 'declined', updatedAt: '2026-11-20T10:00:00Z' })
    const report = await run({ now: () => new Date('2026-11-21T00:00:00Z') })
    expect(report.errors).toEqual([])
    expect(report).toMatchObject({ rows: 0, removed: 1 })
    expect(fake.requestsTo('/v2/incidents').at(-1)!.query).toEqual({ page_size: '250', 'updated_at[gte]': '2026-11-19' })
    expect((await rows()).map((r) => r.external_id)).toEqual(['01A', '01C'])
  })

  it('pages with `after` at 250 a page', async () => {
    const many: IoSeed[] = Array.from({ length: 260 }, (_, i) => ({ id: `01P${String(i).padStart(4, '0')}`, name: `Incident ${i}`, severity: MINOR, createdAt: new Date(Date.parse('2026-09-01T00:00:00Z') + i * 3_600_000).toISOString() }))
    fake = await startFakeIncidentIo({ incidents: many })
    const report = await run()
    expect(report).toMatchObject({ rows: 260, errors: [] })
    const list = fake.requestsTo('/v2/incidents')
    expect(list.map((r) => r.query.after ?? null)).toEqual([null, '01P0010'])
    expect(await rows()).toHaveLength(260)
  })

  it('maps severity through a configured name map instead of ranks', async () => {
    fake = await startFakeIncidentIo({ incidents: seeds.slice(0, 3) })
    await run({}, configFor({ Critical: 'sev2', Major: 'sev3' }))
    expect((await rows()).map((r) => [r.external_id, r.severity])).toEqual([
      ['01A', 'sev2'],
      ['01B', 'sev3'],
      ['01C', null],
    ])
  })

  it('retries 429 without headers and 5xx, and records a persistent failure', async () => {
    fake = await startFakeIncidentIo({ incidents: seeds.slice(0, 1) })
    fake.fail({ status: 429, path: '/v2/incidents' }, { status: 502, path: '/v2/incidents' }, { status: 429, headers: { 'retry-after': '7' } })
    const report = await run()
    expect(report).toMatchObject({ rows: 1, errors: [], requests: 5 })
    expect(waits).toEqual([7_000, 1_000, 2_000])
    fake.fail(...Array.from({ length: 3 }, () => ({ status: 503 as const })))
    const failed = await run({ maxAttempts: 3 })
    expect(failed.errors[0]!.message).toMatch(/incident\.io GET \/v1\/severities: HTTP 503/)
    expect((await getSyncState(ctx.db.db, 'incidentio', 'incidents'))!.last_error).toMatch(/HTTP 503/)
  })
})
