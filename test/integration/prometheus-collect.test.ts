import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PrometheusClient, collectPrometheus } from '../../collectors/prometheus/index.ts'
import { type FakePrometheus, startFakePrometheus } from '../fixtures/prometheus-fake/server.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const H = 3600
const at = (iso: string) => Date.parse(iso) / 1000
const NOW = new Date('2026-11-22T12:07:00Z')

function slo(name: string, service: string, duration: string, bad: string, total: string): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: ${service}
  indicator:
    metadata: { name: ${name}-sli }
    spec:
      ratioMetric:
        counter: true
        bad: { metricSource: { type: Prometheus, spec: { query: '${bad}' } } }
        total: { metricSource: { type: Prometheus, spec: { query: '${total}' } } }
  timeWindow: [{ duration: ${duration}, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.99 }]
`
}

const DEMO_TOTAL = 'sum(increase(http_requests_total{service="demo-api"}[1h]))'
const DEMO_BAD = 'sum(increase(http_requests_total{service="demo-api",code=~"5.."}[1h]))'
const LONG_TOTAL = 'sum(increase(jobs_total{service="batch"}[1h]))'
const LONG_BAD = 'sum(increase(jobs_failed_total{service="batch"}[1h]))'

/** total: 1000 per hour, except NaN at 00:00, no point at 02:00 and 1200.5 at 12:00 on Nov 22. */
const demoTotal = (t: number) => (t === at('2026-11-21T00:00:00Z') ? 'NaN' : t === at('2026-11-21T02:00:00Z') ? undefined : t === at('2026-11-22T12:00:00Z') ? '1200.5' : '1000')
/** bad: 10 at even hours, nothing at odd hours, +Inf at 01:00 on Nov 21, 0.5 at 12:00 on Nov 22. */
const demoBad = (t: number) =>
  t === at('2026-11-21T01:00:00Z') ? '+Inf' : t === at('2026-11-22T12:00:00Z') ? '0.5' : (t / H) % 2 === 0 ? '10' : undefined

forEachBackend('Prometheus SLI collection', (ctx) => {
  let fake: FakePrometheus
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-slos-'))
    writeFileSync(join(dir, 'demo.yaml'), slo('demo-api-availability', 'demo-api', '2d', 'http_requests_total{service="demo-api",code=~"5.."}', 'http_requests_total{service="demo-api"}'))
    writeFileSync(join(dir, 'empty.yaml'), slo('empty-api-availability', 'empty-api', '2d', 'nothing_total{code="5xx"}', 'nothing_total'))
    writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: broken }\nspec: { service: x }\n')
    fake = await startFakePrometheus({
      series: {
        [DEMO_TOTAL]: demoTotal,
        // Two series (instances) summed per timestamp.
        [DEMO_BAD]: { a: demoBad, b: (t) => (t === at('2026-11-22T12:00:00Z') ? '0' : undefined) },
      },
    })
  })
  afterAll(async () => fake?.close())

  const collect = (now: Date, options: { maxPoints?: number; sloDir?: string } = {}) =>
    collectPrometheus(ctx.db.db, testConfig({ sources: { prometheus: { url: fake.url } } }), {
      now: () => now,
      sloDir: options.sloDir ?? dir,
      client: new PrometheusClient({ url: fake.url, sleep: async () => {} }),
      ...(options.maxPoints && { maxPoints: options.maxPoints }),
    })
  const samples = (slo: string) =>
    ctx.db.db.selectFrom('sli_sample').select(['interval_start', 'interval_end', 'good', 'total', 'service']).where('source', '=', 'prometheus').where('slo_id', '=', slo).orderBy('interval_start').execute()

  it('backfills the SLO window as hourly good/total, leaving out NaN, +Inf and missing hours', async () => {
    const report = await collect(NOW)
    expect(report.problems).toEqual([{ file: 'broken.yaml', field: 'spec.indicator', message: 'is required: an inline SLI (metadata, spec.ratioMetric) or spec.indicatorRef naming an SLI' },
      { file: 'broken.yaml', field: 'spec.timeWindow', message: 'must be a list of exactly one window, e.g. [{ duration: 28d, isRolling: true }]' },
      { file: 'broken.yaml', field: 'spec.budgetingMethod', message: 'must be one of Occurrences, Timeslices, RatioTimeslices (got undefined)' },
      { file: 'broken.yaml', field: 'spec.objectives', message: 'must be a non-empty list, e.g. [{ target: 0.999 }]' }])
    expect(report.slos.map((s) => [s.id, s.samples, s.from, s.to, s.error])).toEqual([
      ['demo-api-availability', 44 + 1, '2026-11-20T12:00:00.000Z', '2026-11-22T12:00:00.000Z', undefined],
      ['empty-api-availability', 0, '2026-11-20T12:00:00.000Z', '2026-11-22T12:00:00.000Z', undefined],
    ])
    // One range of 48 points per query: evaluated at 13:00 on Nov 20 … 12:00 on Nov 22.
    const demoRequests = fake.requests.filter((r) => r.query === DEMO_TOTAL)
    expect(demoRequests.map((r) => [r.start, r.end, r.step, r.method])).toEqual([[at('2026-11-20T13:00:00Z'), at('2026-11-22T12:00:00Z'), 3600, 'POST']])

    const rows = await samples('demo-api-availability')
    // 48 hours − 3 left out (NaN total at 23:00, +Inf bad at 00:00, no total at 01:00 on Nov 21) = 45.
    expect(rows).toHaveLength(45)
    expect(rows.map((r) => r.interval_start.toISOString())).not.toContain('2026-11-20T23:00:00.000Z')
    expect(rows.map((r) => r.interval_start.toISOString())).not.toContain('2026-11-21T00:00:00.000Z')
    expect(rows.map((r) => r.interval_start.toISOString())).not.toContain('2026-11-21T01:00:00.000Z')
    expect(rows[0]).toEqual({ interval_start: new Date('2026-11-20T12:00:00Z'), interval_end: new Date('2026-11-20T13:00:00Z'), good: 1000, total: 1000, service: 'demo-api' })
    expect(rows[1]).toEqual({ interval_start: new Date('2026-11-20T13:00:00Z'), interval_end: new Date('2026-11-20T14:00:00Z'), good: 990, total: 1000, service: 'demo-api' })
    expect(rows.at(-1)).toEqual({ interval_start: new Date('2026-11-22T11:00:00Z'), interval_end: new Date('2026-11-22T12:00:00Z'), good: 1200, total: 1200.5, service: 'demo-api' })
    // 21 even hours at 990 good, 23 odd hours at 1000, and the last hour at 1200 of 1200.5.
    expect(rows.reduce((n, r) => n + r.good, 0)).toBe(21 * 990 + 23 * 1000 + 1200)
    expect(rows.reduce((n, r) => n + r.total, 0)).toBe(44 * 1000 + 1200.5)
    expect(await samples('empty-api-availability')).toEqual([])

    const state = await ctx.db.db.selectFrom('sync_state').select(['scope', 'cursor', 'last_error']).where('source', '=', 'prometheus').orderBy('scope').execute()
    expect(state.map((s) => [s.scope, (typeof s.cursor === 'string' ? JSON.parse(s.cursor) : s.cursor).through, s.last_error])).toEqual([
      ['slo:demo-api-availability', '2026-11-22T12:00:00.000Z', null],
      ['slo:empty-api-availability', '2026-11-22T12:00:00.000Z', null],
    ])
  })

  it('then reads incrementally from the cursor with one hour of overlap', async () => {
    fake.requests.length = 0
    const report = await collect(new Date('2026-11-22T15:30:00Z'))
    expect(report.slos[0]).toMatchObject({ id: 'demo-api-availability', samples: 4, from: '2026-11-22T11:00:00.000Z', to: '2026-11-22T15:00:00.000Z' })
    expect(fake.requests.filter((r) => r.query === DEMO_TOTAL).map((r) => [r.start, r.end])).toEqual([[at('2026-11-22T12:00:00Z'), at('2026-11-22T15:00:00Z')]])
    const rows = await samples('demo-api-availability')
    expect(rows).toHaveLength(48)
    expect(rows.slice(-3).map((r) => [r.interval_start.toISOString(), r.good, r.total])).toEqual([
      ['2026-11-22T12:00:00.000Z', 1000, 1000],
      ['2026-11-22T13:00:00.000Z', 990, 1000],
      ['2026-11-22T14:00:00.000Z', 1000, 1000],
    ])
  })

  it('splits a range Prometheus refuses for too many points per series and stores the same rows', async () => {
    const small = await startFakePrometheus({ series: { [DEMO_TOTAL]: demoTotal, [DEMO_BAD]: demoBad }, maxPoints: 20 })
    try {
      const report = await collectPrometheus(ctx.db.db, testConfig({ sources: { prometheus: { url: small.url } } }), {
        now: () => NOW,
        sloDir: dir,
        full: true,
        client: new PrometheusClient({ url: small.url, sleep: async () => {} }),
      })
      expect(report.slos[0]).toMatchObject({ id: 'demo-api-availability', samples: 45 })
      // 48 points refused (422), halves of 24 refused, quarters of 12 answered: per query 1 + 2 + 4 requests.
      const total = small.requests.filter((r) => r.query === DEMO_TOTAL)
      expect(total.map((r) => [r.status, (r.end - r.start) / H + 1])).toEqual([
        [422, 48],
        [422, 24],
        [200, 12],
        [200, 12],
        [422, 24],
        [200, 12],
        [200, 12],
      ])
    } finally {
      await small.close()
    }
    expect((await samples('demo-api-availability')).filter((r) => r.interval_start < new Date('2026-11-22T12:00:00Z'))).toHaveLength(45)
  })

  it('keeps each request within 11,000 points per series over a long window', async () => {
    const longDir = mkdtempSync(join(tmpdir(), 'meridian-slos-long-'))
    writeFileSync(join(longDir, 'long.yaml'), slo('batch-success', 'batch', '500d', 'jobs_failed_total{service="batch"}', 'jobs_total{service="batch"}'))
    const big = await startFakePrometheus({ series: { [LONG_TOTAL]: () => '4', [LONG_BAD]: () => '1' } })
    try {
      const report = await collectPrometheus(ctx.db.db, testConfig({ sources: { prometheus: { url: big.url } } }), {
        now: () => NOW,
        sloDir: longDir,
        client: new PrometheusClient({ url: big.url, sleep: async () => {} }),
      })
      // 500 days = 12,000 hours: one request of 11,000 points and one of 1,000, per query.
      expect(big.requests.filter((r) => r.query === LONG_TOTAL).map((r) => [r.status, (r.end - r.start) / H + 1])).toEqual([
        [200, 11_000],
        [200, 1_000],
      ])
      expect(report.slos[0]).toMatchObject({ id: 'batch-success', samples: 12_000 })
      const sums = await sql<{ n: number; good: number; total: number }>`select count(*)::int as n, sum(good)::float8 as good, sum(total)::float8 as total from sli_sample where slo_id = 'batch-success'`.execute(ctx.db.db)
      expect(sums.rows[0]).toEqual({ n: 12_000, good: 36_000, total: 48_000 })
    } finally {
      await big.close()
    }
  })

  it('records a failure on the SLO sync state and keeps the cursor', async () => {
    const report = await collectPrometheus(ctx.db.db, testConfig({ sources: { prometheus: { url: 'http://127.0.0.1:9' } } }), {
      now: () => new Date('2026-11-22T18:30:00Z'),
      sloDir: dir,
      client: new PrometheusClient({ url: 'http://127.0.0.1:9', sleep: async () => {}, attempts: 2 }),
    })
    expect(report.slos[0]!.error).toMatch(/^Prometheus request failed: /)
    const row = await ctx.db.db.selectFrom('sync_state').select(['cursor', 'last_error']).where('source', '=', 'prometheus').where('scope', '=', 'slo:demo-api-availability').executeTakeFirstOrThrow()
    expect(row.last_error).toMatch(/^Prometheus request failed: /)
    expect((typeof row.cursor === 'string' ? JSON.parse(row.cursor) : row.cursor).through).toBe('2026-11-22T12:00:00.000Z')
  })
})
