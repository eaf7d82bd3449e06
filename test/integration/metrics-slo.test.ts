import { beforeAll, expect, it } from 'vitest'
import { Catalog } from '../../server/catalog/catalog.ts'
import type { KpiDefinition } from '../../server/kpis/definition.ts'
import { periodsBetween } from '../../server/metrics/periods.ts'
import { type ResolvedScope, resolveScope } from '../../server/metrics/scope.ts'
import { sloCompliance, sloErrorBudgetBurn } from '../../server/metrics/slo.metrics.ts'
import { currentBurn, sloBudgets } from '../../server/metrics/slo-status.ts'
import type { MetricContext } from '../../server/metrics/types.ts'
import type { BudgetingMethod, Slo, TimeWindow } from '../../server/slo/openslo.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const HOUR = 3_600_000
const at = (iso: string) => new Date(iso)
const ROLLING_28D: TimeWindow = { kind: 'rolling', duration: '28d', hours: 672 }
const MONTHLY: TimeWindow = { kind: 'calendar', duration: '1M', count: 1, unit: 'month', startTime: at('2026-01-01T00:00:00Z'), timeZone: 'UTC' }

function slo(id: string, target: number, options: { service?: string; method?: BudgetingMethod; sliceTarget?: number; sliceMinutes?: number; window?: TimeWindow } = {}): Slo {
  const method = options.method ?? 'Occurrences'
  const sliced = method !== 'Occurrences'
  return {
    id,
    displayName: `SLO ${id}`,
    description: null,
    service: options.service ?? 'svc',
    file: `${id}.yaml`,
    indicatorName: null,
    indicator: { counter: true, good: { type: 'Prometheus', spec: {}, query: 'good' }, bad: null, total: { type: 'Prometheus', spec: {}, query: 'total' } },
    timeWindow: options.window ?? ROLLING_28D,
    budgetingMethod: method,
    objectives: [
      { displayName: null, target, timeSliceTarget: method === 'Timeslices' ? (options.sliceTarget ?? 0.99) : null, timeSliceMinutes: sliced ? (options.sliceMinutes ?? 1) : null },
      // A second, looser objective: only the first counts.
      { displayName: null, target: target / 2, timeSliceTarget: method === 'Timeslices' ? 0.5 : null, timeSliceMinutes: sliced ? 1 : null },
    ],
  }
}

/** One SLI sample of `minutes` (default an hour) starting at `start`. */
const sample = (sloId: string, start: string, good: number, total: number, minutes = 60) => ({
  source: 'api',
  slo_id: sloId,
  service: 'svc',
  interval_start: at(start),
  interval_end: new Date(at(start).getTime() + minutes * 60_000),
  good,
  total,
})

const ORG: ResolvedScope = { kind: 'org', id: null, key: 'org', services: null, repoIds: null, teamId: null }
const definition = { id: 'slo.compliance' } as KpiDefinition

forEachBackend('SLO metrics', (env) => {
  const insert = (rows: ReturnType<typeof sample>[]) => env.db.db.insertInto('sli_sample').values(rows).execute()
  const ctxFor = (slos: Slo[], options: { from?: string; to?: string; timezone?: string; scope?: ResolvedScope; now?: Date } = {}): MetricContext => {
    const timezone = options.timezone ?? 'UTC'
    return {
      db: env.db.db,
      config: testConfig({ timezone }),
      timezone,
      period: 'month',
      periods: periodsBetween('month', at(options.from ?? '2026-09-01T00:00:00Z'), at(options.to ?? '2026-12-01T00:00:00Z'), timezone),
      scope: options.scope ?? ORG,
      now: options.now ?? at('2026-11-20T12:00:00Z'),
      slos,
      definition,
    }
  }

  // Occurrences: October 2970/3000 = 0.99 exactly its objective; November 950/1000.
  const occ = slo('occ', 0.99)
  // Timeslices from per-minute samples: minutes 0, 1 and 5 good (99/100 is exactly the 0.99 slice
  // target); minutes 2 and 4 bad (minute 4 is two 30 s samples, 50/50 and 48/50, summed to 98/100);
  // minute 3 has no events. 3 good of 5 minutes with data = 0.6 < 0.75.
  const tsMinute = slo('ts-min', 0.75, { method: 'Timeslices', sliceTarget: 0.99 })
  // Timeslices from hourly (and one half-hour) samples with 1-minute slices: 00:00 good (0.99),
  // 01:00 bad (0.985), 02:00 good, 03:00–03:30 bad: 120 good of 210 minutes = 4/7 ≥ 0.5.
  const tsHour = slo('ts-hour', 0.5, { method: 'Timeslices', sliceTarget: 0.99 })
  const noData = slo('no-data', 0.9)

  beforeAll(async () => {
    await insert([
      sample('occ', '2026-10-05T10:00:00Z', 990, 1000),
      sample('occ', '2026-10-20T10:00:00Z', 1980, 2000),
      sample('occ', '2026-11-02T00:00:00Z', 950, 1000),
      sample('ts-min', '2026-10-07T08:00:00Z', 100, 100, 1),
      sample('ts-min', '2026-10-07T08:01:00Z', 99, 100, 1),
      sample('ts-min', '2026-10-07T08:02:00Z', 98, 100, 1),
      sample('ts-min', '2026-10-07T08:03:00Z', 0, 0, 1),
      sample('ts-min', '2026-10-07T08:04:00Z', 50, 50, 0.5),
      sample('ts-min', '2026-10-07T08:04:30Z', 48, 50, 0.5),
      sample('ts-min', '2026-10-07T08:05:00Z', 1000, 1000, 1),
      sample('ts-hour', '2026-10-08T00:00:00Z', 990, 1000),
      sample('ts-hour', '2026-10-08T01:00:00Z', 985, 1000),
      sample('ts-hour', '2026-10-08T02:00:00Z', 1000, 1000),
      sample('ts-hour', '2026-10-08T03:00:00Z', 0, 10, 30),
    ])
  })

  it('Occurrences: attainment = Σgood ÷ Σtotal per month, 1.0 burn when the budget is exactly spent, null without samples', async () => {
    const [sep, oct, nov] = await sloCompliance.compute(ctxFor([occ]))
    expect(sep).toEqual({ value: null, sampleSize: 0, measures: { met: null, 'slo:occ': null } })
    expect(oct).toEqual({ value: 1, sampleSize: 1, measures: { met: 1, 'slo:occ': 0.99 } })
    expect(nov).toEqual({ value: 0, sampleSize: 1, measures: { met: 0, 'slo:occ': 0.95 } })
    const burn = await sloErrorBudgetBurn.compute(ctxFor([occ]))
    expect(burn.map((b) => b.value)).toEqual([null, 1, expect.closeTo(5, 10)])
  })

  it('Timeslices: per-minute samples are 1-minute slices, finer ones summed into their minute, empty minutes ignored', async () => {
    const [, oct] = await sloCompliance.compute(ctxFor([tsMinute]))
    expect(oct).toEqual({ value: 0, sampleSize: 1, measures: { met: 0, 'slo:ts-min': 0.6 } })
    const [, burn] = await sloErrorBudgetBurn.compute(ctxFor([tsMinute]))
    // (1 − 0.6) ÷ (1 − 0.75) = 1.6
    expect(burn!.value).toBeCloseTo(1.6, 12)
  })

  it('Timeslices: an hourly sample counts as 60 one-minute slices, all good or all bad', async () => {
    const [, oct] = await sloCompliance.compute(ctxFor([tsHour]))
    expect(oct!.measures!['slo:ts-hour']).toBeCloseTo(4 / 7, 12)
    expect(oct!.value).toBe(1)
  })

  it('RatioTimeslices: the time-weighted mean of the slice ratios', async () => {
    await insert([sample('ratio', '2026-10-09T00:00:00Z', 900, 1000), sample('ratio', '2026-10-09T01:00:00Z', 10, 10)])
    const [, oct] = await sloCompliance.compute(ctxFor([slo('ratio', 0.9, { method: 'RatioTimeslices' })]))
    // (60 min × 0.9 + 60 min × 1.0) ÷ 120 min = 0.95 (Occurrences would give 910/1010).
    expect(oct!.measures!['slo:ratio']).toBeCloseTo(0.95, 12)
    expect(oct!.value).toBe(1)
  })

  it('compliance over 3 SLOs with data where 2 meet their objective; burn is the worst SLO; an SLO without data is left out', async () => {
    const slos = [occ, tsMinute, tsHour, noData]
    const [sep, oct] = await sloCompliance.compute(ctxFor(slos))
    expect(sep).toEqual({ value: null, sampleSize: 0, measures: { met: null, 'slo:occ': null, 'slo:ts-min': null, 'slo:ts-hour': null, 'slo:no-data': null } })
    expect(oct!.value).toBeCloseTo(2 / 3, 12)
    expect(oct!.sampleSize).toBe(3)
    expect(oct!.measures).toEqual({ met: 2, 'slo:occ': 0.99, 'slo:ts-min': 0.6, 'slo:ts-hour': expect.closeTo(4 / 7, 12), 'slo:no-data': null })

    const [, burn] = await sloErrorBudgetBurn.compute(ctxFor(slos))
    // occ 1.0, ts-min 1.6, ts-hour (1 − 4/7) ÷ 0.5 = 6/7.
    expect(burn!.value).toBeCloseTo(1.6, 12)
    expect(burn!.sampleSize).toBe(3)
    expect(burn!.measures).toEqual({ 'slo:occ': 1, 'slo:ts-min': expect.closeTo(1.6, 12), 'slo:ts-hour': expect.closeTo(6 / 7, 12), 'slo:no-data': null })
  })

  it('records: the SLOs in scope for the period, highest burn first, paginated', async () => {
    const ctx = ctxFor([occ, tsMinute, tsHour, noData])
    const query = { start: at('2026-10-01T00:00:00Z'), end: at('2026-11-01T00:00:00Z'), limit: 10, offset: 0 }
    const page = await sloCompliance.records!(ctx, query)
    expect(page.total).toBe(4)
    expect(page.records.map((r) => [r.id, r.value])).toEqual([
      ['ts-min', 0],
      ['occ', 1],
      ['ts-hour', 1],
      ['no-data', null],
    ])
    expect(page.records[0]).toEqual({
      type: 'slo',
      id: 'ts-min',
      title: 'SLO ts-min',
      at: null,
      url: null,
      value: 0,
      fields: { service: 'svc', budgetingMethod: 'Timeslices', objective: 0.75, attainment: 0.6, good: 1395, total: 1400, goodMinutes: 3, minutes: 5, burn: expect.closeTo(1.6, 12), met: false },
    })
    expect(page.records[1]!.fields).toEqual({ service: 'svc', budgetingMethod: 'Occurrences', objective: 0.99, attainment: 0.99, good: 2970, total: 3000, goodMinutes: null, minutes: null, burn: 1, met: true })
    expect(page.records[3]!.fields).toMatchObject({ attainment: null, good: null, total: null, burn: null, met: null })

    const burnPage = await sloErrorBudgetBurn.records!(ctx, { ...query, limit: 2, offset: 1 })
    expect(burnPage.total).toBe(4)
    expect(burnPage.records.map((r) => [r.id, r.value])).toEqual([
      ['occ', 1],
      ['ts-hour', expect.closeTo(6 / 7, 12)],
    ])
  })

  it('cuts months in the configured time zone: 23:00 UTC on 31 October is November in Berlin', async () => {
    // 22:00 UTC (23:00 CET) all good, 23:00 UTC (00:00 CET on 1 November) all bad.
    await insert([sample('tz', '2026-10-31T22:00:00Z', 100, 100), sample('tz', '2026-10-31T23:00:00Z', 0, 100)])
    const tz = slo('tz', 0.9)
    const berlin = await sloCompliance.compute(ctxFor([tz], { timezone: 'Europe/Berlin', from: '2026-09-30T22:00:00Z', to: '2026-11-30T23:00:00Z' }))
    expect(berlin.map((v) => v.measures!['slo:tz'])).toEqual([1, 0])
    const utc = await sloCompliance.compute(ctxFor([tz], { from: '2026-10-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }))
    expect(utc.map((v) => v.measures!['slo:tz'])).toEqual([0.5, null])
  })

  it('scopes by service and team: only the SLOs of their services', async () => {
    await insert([sample('pay', '2026-10-10T00:00:00Z', 999, 1000), sample('chk', '2026-10-10T00:00:00Z', 50, 100), sample('idn', '2026-10-10T00:00:00Z', 100, 100)])
    const slos = [slo('pay', 0.99, { service: 'payments-api' }), slo('chk', 0.9, { service: 'checkout-web' }), slo('idn', 0.9, { service: 'identity-api' })]
    const catalog = new Catalog({ repositories: [], teamRepos: [], teamServices: [{ team_id: 'payments', service: 'payments-api' }, { team_id: 'payments', service: 'checkout-web' }], serviceMap: {} })
    const scope = (s: string) => resolveScope(s, catalog, new Set(['payments']))
    const oct = async (s: string) => (await sloCompliance.compute(ctxFor(slos, { scope: scope(s) })))[1]!

    expect(await oct('service:checkout-web')).toEqual({ value: 0, sampleSize: 1, measures: { met: 0, 'slo:chk': 0.5 } })
    expect(await oct('team:payments')).toEqual({ value: 0.5, sampleSize: 2, measures: { met: 1, 'slo:pay': 0.999, 'slo:chk': 0.5 } })
    expect((await oct('org')).value).toBeCloseTo(2 / 3, 12)
    const none = await oct('service:ledger')
    expect(none).toEqual({ value: null, sampleSize: 0, measures: { met: null }, reason: 'no SLO is defined for a service in this scope' })
    const records = await sloErrorBudgetBurn.records!(ctxFor(slos, { scope: scope('team:payments') }), { start: at('2026-10-01T00:00:00Z'), end: at('2026-11-01T00:00:00Z'), limit: 10, offset: 0 })
    // chk (1 − 0.5) ÷ 0.1 = 5; pay (1 − 0.999) ÷ 0.01 = 0.1.
    expect(records.records.map((r) => [r.id, r.value])).toEqual([
      ['chk', expect.closeTo(5, 12)],
      ['pay', expect.closeTo(0.1, 12)],
    ])
  })

  it('current burn rates over 1 h, 6 h and 3 d give each alert state', async () => {
    const now = at('2026-11-20T12:00:00Z')
    // 72 hourly samples ending at now, 1000 events each; `bad(h)` bad events in hour h (0 = the last hour).
    const layout = (id: string, bad: (h: number) => number) =>
      Array.from({ length: 72 }, (_, h) => sample(id, new Date(now.getTime() - (h + 1) * HOUR).toISOString(), 1000 - bad(h), 1000))
    await insert([
      ...layout('br-page-1h', (h) => (h === 0 ? 150 : 0)),
      ...layout('br-page-6h', (h) => (h < 6 ? 70 : 0)),
      ...layout('br-ticket', () => 12),
      ...layout('br-ok', () => 5),
      sample('br-none', '2026-11-16T10:00:00Z', 0, 1000),
      // Timeslices, 1-minute slices: the last hour bad, the 5 before it good, nothing earlier.
      ...layout('br-slices', (h) => (h === 0 ? 20 : 0)).slice(0, 6),
    ])
    const ids = ['br-page-1h', 'br-page-6h', 'br-ticket', 'br-ok', 'br-none']
    const slos = [...ids.map((id) => slo(id, 0.99)), slo('br-slices', 0.9, { method: 'Timeslices', sliceTarget: 0.99 })]
    const result = await currentBurn(env.db.db, slos, now)
    const rounded = result.map((r) => [r.sloId, r.alert, ...Object.values(r.burnRates).map((b) => (b === null ? null : Math.round(b * 1e6) / 1e6))])
    expect(rounded).toEqual([
      // 150/1000 ÷ 0.01 = 15; 150/6000 ÷ 0.01 = 2.5; 150/72000 ÷ 0.01 = 0.208333
      ['br-page-1h', 'page', 15, 2.5, 0.208333],
      // 70/1000 ÷ 0.01 = 7 (< 14.4) but 420/6000 ÷ 0.01 = 7 ≥ 6
      ['br-page-6h', 'page', 7, 7, 0.583333],
      ['br-ticket', 'ticket', 1.2, 1.2, 1.2],
      ['br-ok', 'ok', 0.5, 0.5, 0.5],
      ['br-none', 'no-data', null, null, null],
      // bad slice time ÷ slice time: 60/60 ÷ 0.1 = 10; 60/360 ÷ 0.1 = 1.666667 over both 6 h and 3 d
      ['br-slices', 'ticket', 10, 1.666667, 1.666667],
    ])
    expect(result[0]).toMatchObject({ sloId: 'br-page-1h', service: 'svc' })
  })

  it('a window counts the samples overlapping it in proportion to the overlap', async () => {
    // now 12:30: the 1 h window [11:30, 12:30) holds half of 11:00 (50 bad of 500) and half of 12:00 (0 of 500).
    await insert([sample('br-partial', '2026-11-20T11:00:00Z', 900, 1000), sample('br-partial', '2026-11-20T12:00:00Z', 1000, 1000)])
    const [r] = await currentBurn(env.db.db, [slo('br-partial', 0.99)], at('2026-11-20T12:30:00Z'))
    expect(r!.burnRates['1h']).toBeCloseTo(5, 10)
    // 6 h and 3 d: all of 11:00 and half of 12:00: 100 bad of 1500 ÷ 0.01 = 6.67 ≥ 6.
    expect(r!.burnRates['6h']).toBeCloseTo(20 / 3, 10)
    expect(r!.burnRates['3d']).toBeCloseTo(20 / 3, 10)
    expect(r!.alert).toBe('page')
  })

  it('budget over a calendar month window: attainment, budget in events, remaining and the daily burn-down', async () => {
    await insert([
      sample('cal', '2026-10-31T23:00:00Z', 0, 1000), // before the window
      sample('cal', '2026-11-01T10:00:00Z', 995, 1000),
      sample('cal', '2026-11-02T10:00:00Z', 985, 1000),
      sample('cal', '2026-11-03T05:00:00Z', 1000, 1000),
    ])
    const [b] = await sloBudgets(env.db.db, [slo('cal', 0.99, { window: MONTHLY })], at('2026-11-03T12:00:00Z'))
    expect(b).toMatchObject({ sloId: 'cal', start: at('2026-11-01T00:00:00Z'), end: at('2026-12-01T00:00:00Z'), unit: 'events', consumed: 20 })
    expect(b!.attainment).toBeCloseTo(2980 / 3000, 12)
    expect(b!.total).toBeCloseTo(30, 10)
    expect(b!.remaining).toBeCloseTo(1 / 3, 10)
    // After 1 Nov: 5 bad of 1000 = half the budget; after 2 Nov: 20 of 2000 = all of it; now: 20 of 3000.
    expect(b!.burnDown.map((p) => [p.at.toISOString(), p.remaining === null ? null : Math.round(p.remaining * 1e9) / 1e9])).toEqual([
      ['2026-11-02T00:00:00.000Z', 0.5],
      ['2026-11-03T00:00:00.000Z', 0],
      ['2026-11-03T12:00:00.000Z', 0.333333333],
    ])
  })

  it('budget over a rolling 28-day window: a sample straddling the window start counts in part; Timeslices budgets in minutes, negative when overspent', async () => {
    await insert([
      sample('roll', '2026-10-06T11:00:00Z', 0, 1000), // ends before the window starts (12:30)
      sample('roll', '2026-10-06T12:00:00Z', 900, 1000), // half inside: 450 of 500
      sample('roll', '2026-11-03T10:00:00Z', 1000, 1000),
      sample('cal-ts', '2026-11-01T10:00:00Z', 1000, 1000),
      sample('cal-ts', '2026-11-01T11:00:00Z', 900, 1000),
    ])
    const now = at('2026-11-03T12:30:00Z')
    const future: TimeWindow = { ...MONTHLY, startTime: at('2027-01-01T00:00:00Z') }
    const [roll, calTs, notYet] = await sloBudgets(env.db.db, [slo('roll', 0.9), slo('cal-ts', 0.9, { method: 'Timeslices', window: MONTHLY }), slo('cal', 0.99, { window: future })], now)

    expect(roll).toMatchObject({ start: at('2026-10-06T12:30:00Z'), end: now, unit: 'events', consumed: 50 })
    expect(roll!.attainment).toBeCloseTo(1450 / 1500, 12)
    expect(roll!.total).toBeCloseTo(150, 10)
    // (50/1500) ÷ 0.1 = 1/3 burnt.
    expect(roll!.remaining).toBeCloseTo(2 / 3, 10)
    expect(roll!.burnDown).toHaveLength(28)
    expect(roll!.burnDown[0]!.at).toEqual(at('2026-10-07T12:30:00Z'))
    expect(roll!.burnDown[0]!.remaining).toBeCloseTo(0, 10)
    expect(roll!.burnDown[26]!.remaining).toBeCloseTo(0, 10)
    expect(roll!.burnDown[27]!.at).toEqual(now)
    expect(roll!.burnDown[27]!.remaining).toBeCloseTo(2 / 3, 10)

    // 60 good of 120 slice minutes; budget 0.1 × 120 = 12 minutes, 60 used: 1 − 0.5 ÷ 0.1 = −4.
    expect(calTs).toMatchObject({ unit: 'minutes', attainment: 0.5, consumed: 60, remaining: expect.closeTo(-4, 10) })
    expect(calTs!.total).toBeCloseTo(12, 10)

    expect(notYet).toEqual({ sloId: 'cal', start: at('2027-01-01T00:00:00Z'), end: at('2027-02-01T00:00:00Z'), attainment: null, unit: 'events', total: null, consumed: null, remaining: null, burnDown: [] })
  })
})
