import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { replaceConfigTeams } from '../../server/repositories/teams.repository.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const NOW = new Date('2026-11-20T12:00:00Z')
const config = testConfig({ teams: [{ id: 'payments', name: 'Payments', services: ['payments-api'] }] })

/** An hourly sample of the shipped payments-api-availability SLO (Occurrences, 99.9 %, rolling 28 days). */
const payments = (start: string, good: number, total: number) => ({
  source: 'prometheus',
  slo_id: 'payments-api-availability',
  service: 'payments-api',
  interval_start: new Date(start),
  interval_end: new Date(new Date(start).getTime() + 3_600_000),
  good,
  total,
})

forEachBackend('GET /api/slos', (ctx) => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = await buildApp({ config, db: ctx.db, clock: () => NOW, logger: false })
    await replaceConfigTeams(ctx.db.db, config.teams)
    await ctx.db.db
      .insertInto('sli_sample')
      .values([
        payments('2026-10-10T00:00:00Z', 9990, 10000),
        payments('2026-11-19T10:00:00Z', 9980, 10000),
        payments('2026-11-20T11:00:00Z', 9000, 10000),
      ])
      .execute()
  })
  afterAll(async () => app?.close())

  const get = (query: string) => app.inject({ url: `/api/slos?${query}` })

  it('answers every SLO of a service with its monthly series, budget, burn rates and alert', async () => {
    const res = await get('period=month&scope=service:payments-api')
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.period).toBe('month')
    expect(body.scope).toBe('service:payments-api')
    expect(body.timezone).toBe('UTC')
    expect(body.periods).toHaveLength(12)
    expect(body.periods[0]).toEqual({ label: '2025-12', start: '2025-12-01T00:00:00.000Z', end: '2026-01-01T00:00:00.000Z' })
    expect(body.slos).toHaveLength(1)
    const slo = body.slos[0]
    const empty = (label: string) => ({ label, attainment: null, burn: null, met: null, good: null, total: null })
    const { burnDown, ...current } = slo.current
    expect({ ...slo, series: slo.series.map(({ start: _s, end: _e, ...p }: Record<string, unknown>) => p), current }).toEqual({
      id: 'payments-api-availability',
      name: 'Payments API availability',
      description: 'Share of payments API requests answered without a server error.',
      service: 'payments-api',
      objective: { displayName: '99.9% of requests succeed', target: 0.999, timeSliceTarget: null, timeSliceMinutes: null },
      budgetingMethod: 'Occurrences',
      window: { kind: 'rolling', duration: '28d' },
      series: [
        ...['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09'].map(empty),
        // 9990 / 10000 = 0.999: exactly the objective, the budget exactly spent.
        { label: '2026-10', attainment: 0.999, burn: 1, met: true, good: 9990, total: 10000 },
        // 18980 / 20000 = 0.949: 0.051 bad ÷ 0.001 allowed = 51.
        { label: '2026-11', attainment: 0.949, burn: expect.closeTo(51, 9), met: false, good: 18980, total: 20000 },
      ],
      // The 28-day window [23 Oct 12:00, 20 Nov 12:00) holds the two November samples.
      current: {
        start: '2026-10-23T12:00:00.000Z',
        end: '2026-11-20T12:00:00.000Z',
        attainment: 0.949,
        budgetUnit: 'events',
        budgetTotal: expect.closeTo(20, 9),
        budgetConsumed: 1020,
        budgetRemaining: expect.closeTo(-50, 9),
      },
      // 1 h and 6 h: only the 11:00 sample, 1000 bad of 10000 ÷ 0.001 = 100; 3 d: 1020 of 20000 ÷ 0.001 = 51.
      burnRates: { '1h': expect.closeTo(100, 9), '6h': expect.closeTo(100, 9), '3d': expect.closeTo(51, 9) },
      alert: 'page',
    })
    expect(burnDown).toHaveLength(28)
    expect(burnDown.slice(0, 26).every((p: { remaining: number | null }) => p.remaining === null)).toBe(true)
    // After day 27 (to 19 Nov 12:00): 20 bad of 10000 = twice the budget; at now: −50.
    expect(burnDown[26]).toEqual({ at: '2026-11-19T12:00:00.000Z', remaining: expect.closeTo(-1, 9) })
    expect(burnDown[27]).toEqual({ at: '2026-11-20T12:00:00.000Z', remaining: expect.closeTo(-50, 9) })
  })

  it('lists every shipped SLO for the organisation and a team’s for the team; SLOs without samples have no data', async () => {
    const org = (await get('scope=org')).json()
    expect(org.slos.map((s: { id: string; alert: string }) => [s.id, s.alert])).toEqual([
      ['checkout-web-latency', 'no-data'],
      ['identity-api-availability', 'no-data'],
      ['payments-api-availability', 'page'],
    ])
    const checkout = org.slos[0]
    expect(checkout.window).toEqual({ kind: 'calendar', duration: '1M' })
    expect(checkout.current).toMatchObject({ start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z', attainment: null, budgetRemaining: null })
    expect(checkout.current.burnDown).toHaveLength(20)
    expect(org.slos[1].objective).toEqual({ displayName: '99.5% of minutes good', target: 0.995, timeSliceTarget: 0.99, timeSliceMinutes: 1 })
    expect(org.slos[1].current.budgetUnit).toBe('minutes')

    const team = (await get('scope=team:payments')).json()
    expect(team.slos.map((s: { id: string }) => s.id)).toEqual(['payments-api-availability'])
  })

  it('takes from/to as local dates: quarters from July to December', async () => {
    const res = await get('period=quarter&scope=service:payments-api&from=2026-07-01&to=2026-12-01')
    expect(res.statusCode).toBe(200)
    const [slo] = res.json().slos
    expect(slo.series.map((p: { label: string; good: number | null; total: number | null }) => [p.label, p.good, p.total])).toEqual([
      ['2026-Q3', null, null],
      ['2026-Q4', 9990 + 9980 + 9000, 30000],
    ])
  })

  it.each([
    ['an unknown team', 'scope=team:nope', 'team "nope" does not exist'],
    ['a malformed scope', 'scope=everything', 'scope "everything" is not valid: expected org, team:<id>, service:<name> or repo:<owner>/<name>'],
    ['to before from', 'from=2026-10-01&to=2026-09-01', 'to (2026-09-01) must be after from (2026-10-01)'],
    ['from in the future without to', 'from=2027-01-01', 'from (2027-01-01) must be before today, or give to'],
  ])('400 invalid_request for %s', async (_label, query, message) => {
    const res = await get(query)
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'invalid_request', message })
  })

  it.each([['period=year'], ['from=2026-13-01']])('400 invalid_request for %s (schema)', async (query) => {
    const res = await get(query)
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('invalid_request')
  })
})
