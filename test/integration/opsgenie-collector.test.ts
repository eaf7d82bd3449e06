import { sql } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { collectOpsgenie } from '../../collectors/opsgenie/index.ts'
import { getSyncState } from '../../collectors/shared/sync-state.ts'
import { type FakeOpsgenie, startFakeOpsgenie } from '../fixtures/opsgenie-fake/index.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const NOW = new Date('2026-11-20T00:00:00Z')
const at = (s: string) => new Date(s)

forEachBackend('Opsgenie collector', (ctx) => {
  let fake: FakeOpsgenie
  let waits: number[]
  const run = (extra: Parameters<typeof collectOpsgenie>[2] = {}) =>
    collectOpsgenie(
      ctx.db.db,
      testConfig({
        teams: [{ id: 'payments', name: 'Payments', services: ['payments-api'] }],
        sources: { opsgenie: { baseUrl: fake.url, token: fake.token, services: { 'svc-checkout': 'payments-api' } } },
      }),
      { now: () => NOW, sleep: async (ms) => void waits.push(ms), attribution: false, ...extra },
    )
  const rows = () =>
    ctx.db.db
      .selectFrom('incident')
      .select(['external_id', 'reference', 'service', 'team_id', 'severity', 'title', 'status', 'started_at', 'resolved_at', 'root_cause_key'])
      .where('source', '=', 'opsgenie')
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

  it('maps P1–P5 to sev1–sev5, reads resolution from the log once, and pages by offset', async () => {
    fake = await startFakeOpsgenie({
      incidents: [
        { id: 'og-1', message: 'Payments failing', priority: 'P1', status: 'resolved', createdAt: '2026-10-01T10:00:00Z', updatedAt: '2026-10-03T00:00:00Z', resolvedAt: '2026-10-01T11:15:00Z', serviceId: 'svc-checkout' },
        { id: 'og-2', message: 'Cache misses', priority: 'P5', status: 'closed', createdAt: '2026-10-02T10:00:00Z', updatedAt: '2026-10-02T12:00:00Z' },
        { id: 'og-3', message: 'Disk warning', priority: 'P3', status: 'open', createdAt: '2026-10-03T10:00:00Z', tags: ['root-cause:disk-fill'] },
      ],
    })
    fake.fail({ status: 429, headers: { 'retry-after': '2' }, path: '/v1/incidents' })
    const report = await run()
    expect(report).toMatchObject({ errors: [], rows: 3, requests: 4 })
    expect(waits).toEqual([2_000])
    const list = fake.requestsTo('/v1/incidents')
    expect(list.at(-1)!.query).toEqual({ query: `createdAt>=${Date.parse('2025-11-20T00:00:00Z')}`, offset: '0', limit: '100', sort: 'createdAt', order: 'asc' })
    expect(list.at(-1)!.authorization).toBe(`GenieKey ${fake.token}`)
    expect(await rows()).toEqual([
      { external_id: 'og-1', reference: '#1', service: 'payments-api', team_id: 'payments', severity: 'sev1', title: 'Payments failing', status: 'resolved', started_at: at('2026-10-01T10:00:00Z'), resolved_at: at('2026-10-01T11:15:00Z'), root_cause_key: 'payments-api:payments failing' },
      // no resolution in the log: updatedAt of the closed incident
      { external_id: 'og-2', reference: '#2', service: null, team_id: null, severity: 'sev5', title: 'Cache misses', status: 'closed', started_at: at('2026-10-02T10:00:00Z'), resolved_at: at('2026-10-02T12:00:00Z'), root_cause_key: '-:cache misses' },
      { external_id: 'og-3', reference: '#3', service: null, team_id: null, severity: 'sev3', title: 'Disk warning', status: 'open', started_at: at('2026-10-03T10:00:00Z'), resolved_at: null, root_cause_key: 'disk-fill' },
    ])

    // A re-run reads from the oldest open incident, and does not read logs of resolutions already stored.
    const again = await run({ now: () => new Date('2026-11-21T00:00:00Z') })
    expect(again).toMatchObject({ errors: [], rows: 1, requests: 1 })
    expect(fake.requestsTo('/v1/incidents').at(-1)!.query.query).toBe(`createdAt>=${Date.parse('2026-10-03T10:00:00Z')}`)
    expect((await getSyncState(ctx.db.db, 'opsgenie', 'incidents'))!.last_error).toBeNull()
  })

  it('follows offset pages of 100', async () => {
    fake = await startFakeOpsgenie({ incidents: Array.from({ length: 150 }, (_, i) => ({ id: `og-${i}`, createdAt: new Date(Date.parse('2026-10-01T00:00:00Z') + i * 60_000).toISOString() })) })
    const report = await run()
    expect(report).toMatchObject({ errors: [], rows: 150 })
    expect(fake.requestsTo('/v1/incidents').map((r) => r.query.offset)).toEqual(['0', '100'])
  })
})
