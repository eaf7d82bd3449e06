import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { markSyncSucceeded } from '../../collectors/shared/sync-state.ts'
import { KpiListResponse, KpiResponse, RecordsResponse } from '../../server/routes/kpis.schema.ts'
import { ErrorResponse } from '../../server/routes/org.schema.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'

const NOW = new Date('2026-11-22T12:00:00Z')
const config = testConfig({
  timezone: 'Europe/Berlin',
  teams: [{ id: 'payments', name: 'Payments', repos: ['acme/payments-api'] }],
})

// TypeBox checks formats only once they are registered; the API promises RFC 3339 date-times.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)))

/** The response matches its published schema (the contract), and is returned. */
function contract<S extends TSchema>(schema: S, body: unknown): Static<S> {
  const errors = [...Value.Errors(schema, body)].map((e) => `${e.path}: ${e.message}`)
  expect(errors).toEqual([])
  return body as Static<S>
}

forEachBackend('KPI API', (ctx) => {
  let app: FastifyInstance
  const ids: Record<string, number> = {}

  beforeAll(async () => {
    const db = ctx.db.db
    const repo = await db
      .insertInto('repository')
      .values({ source: 'github', external_id: 'R1', owner: 'acme', name: 'payments-api', full_name: 'acme/payments-api', url: 'https://github.com/acme/payments-api' })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db.insertInto('team').values({ id: 'payments', name: 'Payments', source: 'config' }).execute()
    await db.insertInto('team_repo').values({ team_id: 'payments', pattern: 'acme/payments-api' }).execute()
    // September (Berlin): Monday 7 – Friday 11, one a day; October: Monday 5 – Friday 9; one more at
    // 23:30 UTC on 31 October, which is already 1 November in Berlin.
    const days = ['2026-09-07', '2026-09-08', '2026-09-09', '2026-09-10', '2026-09-11', '2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09']
    // And one a year earlier, for the previous-year comparison.
    const times = ['2025-10-15T12:00:00Z', ...days.map((d) => `${d}T12:00:00Z`), '2026-10-31T23:30:00Z']
    for (const [i, at] of times.entries()) {
      const row = await db
        .insertInto('deployment')
        .values({
          source: 'github_deployment', external_id: `D${i}`, repo_id: repo.id, service: 'payments-api', environment: 'production', is_production: true,
          sha: `${i}`.padStart(40, 'a'), ref: 'main', status: 'success', created_at: at, started_at: at, finished_at: at, creator: 'ci',
          url: `https://github.com/acme/payments-api/deployments/${i}`,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      ids[at.slice(0, 10)] = row.id
    }
    // 6 October's deployment was reverted.
    await db.insertInto('deployment_failure').values({ deployment_id: ids['2026-10-06']!, reason: 'revert', cause_key: 'pr:7', remediation_deployment_id: ids['2026-10-07']! }).execute()
    app = await buildApp({ config, db: ctx.db, clock: () => NOW, logger: false })
  })
  afterAll(async () => app?.close())

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url })
    return { status: res.statusCode, body: res.json() }
  }
  const twoMonths = 'period=month&from=2026-09-01&to=2026-11-01'

  it('lists KPIs with value, sample, status, level and delta per month in the configured zone', async () => {
    const { status, body } = await get(`/api/kpis?${twoMonths}&ids=dora.change_failure_rate,dora.deployment_frequency`)
    expect(status).toBe(200)
    const list = contract(KpiListResponse, body)
    expect([list.scope, list.timezone, list.from, list.to]).toEqual(['org', 'Europe/Berlin', '2026-08-31T22:00:00.000Z', '2026-10-31T23:00:00.000Z'])
    const [cfr, df] = list.kpis
    expect(cfr!.kpi.id).toBe('dora.change_failure_rate')
    // September: 0 of 5 failed; October: 1 of 5 (the reverted one) = 20 %, +20 points, worse.
    expect(cfr!.series.map((s) => [s.label, s.value, s.sampleSize, s.status, s.level, s.delta ?? null])).toEqual([
      ['2026-09', 0, 5, 'on-track', 'elite', null],
      ['2026-10', 0.2, 5, 'off-track', 'low', { kind: 'points', value: 20, good: false }],
    ])
    // No incidents started in either month: nothing to link, so no coverage figure.
    expect(cfr!.series.map((s) => s.coverage)).toEqual([null, null])
    expect(df!.series.map((s) => [s.label, s.value, s.partial])).toEqual([
      ['2026-09', 5, false],
      ['2026-10', 5, false],
    ])
  })

  it('compares with the same month a year earlier on request', async () => {
    const { body } = await get(`/api/kpis/dora.deployment_frequency?${twoMonths}&compare=year`)
    const one = contract(KpiResponse, body)
    // October 2025 had 1 deployment, October 2026 has 5: +400 %, better. September 2025 is before
    // the first deployment ever collected: no data, so no comparison.
    expect(one.series.map((s) => s.comparison)).toEqual([
      { label: '2025-09', value: null, delta: null },
      { label: '2025-10', value: 1, delta: { kind: 'percent', value: 400, good: true } },
    ])
    expect(contract(KpiResponse, (await get(`/api/kpis/dora.deployment_frequency?${twoMonths}`)).body).series[1]!.comparison).toBeUndefined()
  })

  it('applies a team override of the target', async () => {
    const { body } = await get(`/api/kpis/dora.change_failure_rate?${twoMonths}&scope=team:payments`)
    const one = contract(KpiResponse, body)
    expect([one.scope, one.kpi.overridden, one.kpi.target]).toEqual(['team:payments', true, { op: '<=', value: 0.05 }])
    expect(one.series.map((s) => [s.value, s.status])).toEqual([
      [0, 'on-track'],
      [0.2, 'off-track'],
    ])
  })

  it('answers every KPI for the default 12 months, each with a value or a reason', async () => {
    const { status, body } = await get('/api/kpis')
    expect(status).toBe(200)
    const list = contract(KpiListResponse, body)
    expect(list.kpis).toHaveLength(31)
    expect(list.kpis.every((k) => k.error === undefined && k.series.length === 12)).toBe(true)
    expect(list.kpis[0]!.series.map((s) => s.label)).toEqual(['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'])
    expect(list.kpis[0]!.series.at(-1)!.partial).toBe(true)
    for (const k of list.kpis) for (const s of k.series) if (s.value === null) expect([k.kpi.id, s.status, typeof s.reason]).toEqual([k.kpi.id, 'no-data', 'string'])
    // Nothing was collected for incidents: their count is no-data, not 0.
    const sev = list.kpis.find((k) => k.kpi.id === 'incidents.sev12_count')!
    expect(sev.series.at(-2)!.value).toBeNull()
  })

  it('lists the records behind one value, paginated, with links', async () => {
    const { body } = await get('/api/kpis/dora.deployment_frequency/records?start=2026-10-01&end=2026-11-01&limit=2')
    const page = contract(RecordsResponse, body)
    expect([page.total, page.records.length, page.start, page.end]).toEqual([5, 2, '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z'])
    expect(page.records.map((r) => [r.type, r.url])).toEqual([
      ['deployment', `https://github.com/acme/payments-api/deployments/10`],
      ['deployment', `https://github.com/acme/payments-api/deployments/9`],
    ])
    expect(page.next).toBe('start=2026-10-01&end=2026-11-01&scope=org&limit=2&offset=2')
    const last = contract(RecordsResponse, (await get(`/api/kpis/dora.deployment_frequency/records?${page.next!.replace('offset=2', 'offset=4')}`)).body)
    expect([last.records.length, last.next]).toEqual([1, null])
  })

  it('is never stale after a collect finishes or an ingest is answered', async () => {
    const url = `/api/kpis/dora.change_failure_rate?${twoMonths}`
    expect((await get(url)).body.series[1].value).toBe(0.2)
    await ctx.db.db.insertInto('deployment_failure').values({ deployment_id: ids['2026-10-08']!, reason: 'hotfix', cause_key: 'pr:9', remediation_deployment_id: null }).execute()
    // A collector records its success after committing its rows: that is when cached values go.
    await markSyncSucceeded(ctx.db.db, 'github', 'acme/payments-api', { cursor: null })
    expect((await get(url)).body.series[1].value).toBe(0.4)
    const ingest = await app.inject({
      method: 'POST',
      url: '/api/deployments',
      payload: { items: [{ id: 'jenkins-1', repo: 'acme/payments-api', environment: 'production', sha: 'f'.repeat(40), status: 'success', started_at: '2026-10-20T10:00:00Z', finished_at: '2026-10-20T10:05:00Z' }] },
    })
    expect(ingest.statusCode).toBe(200)
    // 2 of 6 failed now.
    expect((await get(url)).body.series[1].value).toBeCloseTo(2 / 6, 12)
  })

  it('rejects a bad scope, period or range with 400 and an unknown KPI with 404', async () => {
    for (const [url, status, message] of [
      ['/api/kpis?scope=team:nope', 400, 'team "nope" does not exist'],
      ['/api/kpis?scope=everything', 400, 'scope "everything" is not valid: expected org, team:<id>, service:<name> or repo:<owner>/<name>'],
      ['/api/kpis?from=2026-10-01&to=2026-09-01', 400, 'to: must be after from'],
      ['/api/kpis/nope.kpi', 404, 'unknown KPI "nope.kpi"'],
    ] as const) {
      const res = await get(url)
      expect([res.status, contract(ErrorResponse, res.body).error.message]).toEqual([status, message])
    }
    const period = await get('/api/kpis?period=year')
    expect([period.status, period.body.error.code]).toEqual([400, 'invalid_request'])
  })
})

describe('KPI definitions at start-up', () => {
  it('an invalid definition stops buildApp with every problem listed', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(`${tmpdir()}/meridian-defs-`)
    mkdirSync(`${dir}/slos`)
    writeFileSync(`${dir}/x.yaml`, 'id: x.y\nname: X\n')
    const { connectPGlite } = await import('../../server/db/connect.ts')
    const db = await connectPGlite(null)
    try {
      await expect(buildApp({ config, db, logger: false, definitionsDir: dir })).rejects.toThrow(/invalid KPI definitions:\nx\.yaml:1: category: is required, expected delivery, reliability[^\n]*\nx\.yaml:1: description: is required/)
    } finally {
      await db.close()
    }
  })
})
