import { beforeEach, expect, it } from 'vitest'
import type { Kysely } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import type { KpiDefinition } from '../../server/kpis/definition.ts'
import { inTransaction, writeMeasurements } from '../../server/measurements/write.ts'
import { manualFormulas } from '../../server/metrics/manual.metrics.ts'
import { parseLocalDate, periodsBetween, type PeriodKind } from '../../server/metrics/periods.ts'
import { FORMULAS } from '../../server/metrics/registry.ts'
import type { ResolvedScope } from '../../server/metrics/scope.ts'
import type { MetricContext, PeriodValue } from '../../server/metrics/types.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'
import { ENTERED_DEFINITIONS } from '../support/measurements-app.ts'

const def = (id: string): KpiDefinition => ENTERED_DEFINITIONS.find((d) => d.id === id)!
const ORG: ResolvedScope = { kind: 'org', id: null, key: 'org', services: null, repoIds: null, teamId: null }
const TEAM: ResolvedScope = { kind: 'team', id: 'payments', key: 'team:payments', services: [], repoIds: [], teamId: 'payments' }

function context(db: Kysely<Database>, kpi: string, o: { kind: PeriodKind; from: string; to: string; timezone?: string; scope?: ResolvedScope }): MetricContext {
  const timezone = o.timezone ?? 'UTC'
  return {
    db,
    config: testConfig({ timezone }),
    timezone,
    period: o.kind,
    periods: periodsBetween(o.kind, parseLocalDate(o.from, timezone)!, parseLocalDate(o.to, timezone)!, timezone),
    scope: o.scope ?? ORG,
    now: new Date('2027-01-15T12:00:00Z'),
    slos: [],
    definition: def(kpi),
  }
}

/** Values by period label. */
async function compute(ctx: MetricContext): Promise<Record<string, PeriodValue>> {
  const values = await FORMULAS.get(ctx.definition.formula)!.compute(ctx)
  return Object.fromEntries(ctx.periods.map((p, i) => [p.label, values[i]!]))
}

type Row = { kpi: string; start: string; end: string; value: number; components?: Record<string, number>; scope?: string; note?: string }
async function measurements(db: Kysely<Database>, rows: Row[]): Promise<void> {
  await db
    .insertInto('measurement')
    .values(
      rows.map((r) => ({
        kpi_id: r.kpi,
        scope: r.scope ?? 'org',
        period_start: r.start,
        period_end: r.end,
        value: r.value,
        components: r.components ? JSON.stringify(r.components) : null,
        note: r.note ?? null,
        source: 'test',
        entered_by: 'alice',
        entered_at: '2026-12-01T09:00:00Z',
      })),
    )
    .execute()
}

const SPEND = 'cost.cloud_spend_vs_budget'
const monthlySpend: Row[] = [
  { kpi: SPEND, start: '2026-07-01', end: '2026-08-01', value: 0, components: { spend: 100, budget: 100 } },
  { kpi: SPEND, start: '2026-08-01', end: '2026-09-01', value: 0.2, components: { spend: 120, budget: 100 } },
  { kpi: SPEND, start: '2026-09-01', end: '2026-10-01', value: -0.1, components: { spend: 90, budget: 100 } },
]

forEachBackend('entered KPI formulas', (t) => {
  const db = () => t.db.db
  beforeEach(async () => {
    await db().deleteFrom('measurement_history').execute()
    await db().deleteFrom('measurement').execute()
  })

  it('are registered as entered formulas', () => {
    expect(manualFormulas.map((f) => [f.id, f.entered])).toEqual([
      ['entered.mean', true],
      ['entered.sum', true],
      ['entered.ratio_of_sums', true],
      ['entered.variance_of_sums', true],
    ])
  })

  it('entered.variance_of_sums: a quarter from three monthly spend/budget rows is (Σspend − Σbudget) ÷ Σbudget', async () => {
    await measurements(db(), [...monthlySpend, { kpi: SPEND, start: '2026-09-01', end: '2026-10-01', value: 1, components: { spend: 200, budget: 100 }, scope: 'team:payments' }])
    const q = await compute(context(db(), SPEND, { kind: 'quarter', from: '2026-07-01', to: '2026-10-01' }))
    // (100 + 120 + 90 − 300) / 300 = 10 / 300 = 0.0333…; the team's row is another scope
    expect(q['2026-Q3']).toEqual({ value: 10 / 300, sampleSize: 3, measures: { spend: 310, budget: 300 } })
    expect(q['2026-Q3']!.value).toBeCloseTo(0.033333, 6)

    // by month, each row matches its month exactly and is used as it is
    const m = await compute(context(db(), SPEND, { kind: 'month', from: '2026-06-01', to: '2026-10-01' }))
    expect(Object.values(m).map((v) => [v.value, v.sampleSize])).toEqual([
      [null, 0],
      [0, 1],
      [0.2, 1],
      [-0.1, 1],
    ])
    expect(m['2026-06']!.reason).toBe('nothing entered for 2026-06')
    expect(m['2026-08']!.measures).toEqual({ spend: 120, budget: 100 })

    // the team's scope sees only its own row: September alone in Q3 covers 30 of 92 days
    const team = await compute(context(db(), SPEND, { kind: 'quarter', from: '2026-07-01', to: '2026-10-01', scope: TEAM }))
    expect(team['2026-Q3']).toEqual({ value: 1, sampleSize: 1, measures: { spend: 200, budget: 100 }, reason: 'entered for 30 of 92 days' })
  })

  it('entered.ratio_of_sums: Σhired ÷ Σplanned; a quarterly entry viewed by month is no-data ("entered quarterly")', async () => {
    await measurements(db(), [
      { kpi: 'people.hiring_attainment', start: '2026-01-01', end: '2026-02-01', value: 0.5, components: { hired: 1, planned: 2 } },
      { kpi: 'people.hiring_attainment', start: '2026-02-01', end: '2026-03-01', value: 1, components: { hired: 3, planned: 3 } },
      { kpi: 'people.hiring_attainment', start: '2026-03-01', end: '2026-04-01', value: 0.2, components: { hired: 1, planned: 5 } },
      { kpi: 'people.hiring_attainment', start: '2026-04-01', end: '2026-07-01', value: 0.8, components: { hired: 4, planned: 5 } },
    ])
    const q = await compute(context(db(), 'people.hiring_attainment', { kind: 'quarter', from: '2026-01-01', to: '2026-07-01' }))
    // Q1: (1 + 3 + 1) / (2 + 3 + 5) = 5 / 10 = 0.5 (the mean of the monthly ratios would be 0.5667); Q2: the quarterly entry as it is
    expect(q['2026-Q1']).toEqual({ value: 0.5, sampleSize: 3, measures: { hired: 5, planned: 10 } })
    expect(q['2026-Q2']).toEqual({ value: 0.8, sampleSize: 1, measures: { hired: 4, planned: 5 } })
    const m = await compute(context(db(), 'people.hiring_attainment', { kind: 'month', from: '2026-03-01', to: '2026-06-01' }))
    expect(m['2026-03']).toEqual({ value: 0.2, sampleSize: 1, measures: { hired: 1, planned: 5 } })
    expect(m['2026-04']).toEqual({ value: null, sampleSize: 0, reason: 'entered quarterly (2026-04-01 – 2026-06-30): no value for a single month' })
    expect(m['2026-05']!.reason).toMatch(/^entered quarterly/)
  })

  it('entered.ratio_of_sums weighs by the components, not by the entries', async () => {
    await measurements(db(), [
      { kpi: 'people.regretted_attrition', start: '2026-01-01', end: '2026-02-01', value: 0.1, components: { regretted: 1, headcount: 10 } },
      { kpi: 'people.regretted_attrition', start: '2026-02-01', end: '2026-03-01', value: 0.01, components: { regretted: 1, headcount: 100 } },
      { kpi: 'people.regretted_attrition', start: '2026-03-01', end: '2026-04-01', value: 0, components: { regretted: 0, headcount: 90 } },
    ])
    const q = await compute(context(db(), 'people.regretted_attrition', { kind: 'quarter', from: '2026-01-01', to: '2026-04-01' }))
    // (1 + 1 + 0) / (10 + 100 + 90) = 2 / 200 = 0.01 (the mean of the monthly rates would be 0.0366…)
    expect(q['2026-Q1']).toEqual({ value: 0.01, sampleSize: 3, measures: { regretted: 2, headcount: 200 } })
  })

  it('entered.sum and entered.mean over the months of a quarter; partial coverage is said', async () => {
    await measurements(db(), [
      { kpi: 'security.audit_findings', start: '2026-01-01', end: '2026-02-01', value: 2 },
      { kpi: 'security.audit_findings', start: '2026-02-01', end: '2026-03-01', value: 0 },
      { kpi: 'security.audit_findings', start: '2026-03-01', end: '2026-04-01', value: 3 },
      { kpi: 'people.time_to_fill', start: '2026-01-01', end: '2026-02-01', value: 30 },
      { kpi: 'people.time_to_fill', start: '2026-02-01', end: '2026-03-01', value: 45 },
    ])
    const sum = await compute(context(db(), 'security.audit_findings', { kind: 'quarter', from: '2026-01-01', to: '2026-04-01' }))
    expect(sum['2026-Q1']).toEqual({ value: 5, sampleSize: 3 })
    const mean = await compute(context(db(), 'people.time_to_fill', { kind: 'quarter', from: '2026-01-01', to: '2026-04-01' }))
    // (30 + 45) / 2 = 37.5 days; January and February are 31 + 28 = 59 of Q1's 90 days
    expect(mean['2026-Q1']).toEqual({ value: 37.5, sampleSize: 2, reason: 'entered for 59 of 90 days' })
  })

  it('an entry matching the period wins over finer entries inside it', async () => {
    await measurements(db(), [
      { kpi: 'security.audit_findings', start: '2026-01-01', end: '2026-04-01', value: 4 },
      { kpi: 'security.audit_findings', start: '2026-01-01', end: '2026-02-01', value: 1 },
      { kpi: 'security.audit_findings', start: '2026-02-01', end: '2026-03-01', value: 2 },
    ])
    const q = await compute(context(db(), 'security.audit_findings', { kind: 'quarter', from: '2026-01-01', to: '2026-04-01' }))
    expect(q['2026-Q1']).toEqual({ value: 4, sampleSize: 1 })
    const m = await compute(context(db(), 'security.audit_findings', { kind: 'month', from: '2026-01-01', to: '2026-04-01' }))
    expect(Object.values(m).map((v) => v.value)).toEqual([1, 2, null])
    expect(m['2026-03']!.reason).toBe('entered quarterly (2026-01-01 – 2026-03-31): no value for a single month')
  })

  it('ISO weeks: weekly entries make their week; a monthly entry viewed by week is no-data', async () => {
    await measurements(db(), [
      { kpi: 'people.time_to_fill', start: '2026-01-26', end: '2026-02-02', value: 20 },
      { kpi: 'people.time_to_fill', start: '2026-03-01', end: '2026-04-01', value: 40 },
    ])
    const w = await compute(context(db(), 'people.time_to_fill', { kind: 'week', from: '2026-01-26', to: '2026-02-09' }))
    expect(w['2026-W05']).toEqual({ value: 20, sampleSize: 1 })
    expect(w['2026-W06']).toEqual({ value: null, sampleSize: 0, reason: 'nothing entered for 2026-W06' })
    const march = await compute(context(db(), 'people.time_to_fill', { kind: 'week', from: '2026-03-09', to: '2026-03-16' }))
    expect(march['2026-W11']!.reason).toBe('entered monthly (2026-03-01 – 2026-03-31): no value for a single week')
  })

  it('dates are local dates of the configured zone (Europe/Berlin months start at 22:00 or 23:00 UTC the day before)', async () => {
    await measurements(db(), [
      { kpi: SPEND, start: '2026-09-01', end: '2026-10-01', value: 0.5, components: { spend: 150, budget: 100 } },
      { kpi: SPEND, start: '2026-10-01', end: '2026-11-01', value: -0.5, components: { spend: 50, budget: 100 } },
    ])
    const ctx = context(db(), SPEND, { kind: 'month', from: '2026-09-01', to: '2026-11-01', timezone: 'Europe/Berlin' })
    expect(ctx.periods.map((p) => p.start.toISOString())).toEqual(['2026-08-31T22:00:00.000Z', '2026-09-30T22:00:00.000Z'])
    const m = await compute(ctx)
    expect([m['2026-09']!.value, m['2026-10']!.value]).toEqual([0.5, -0.5])
    const q = await compute(context(db(), SPEND, { kind: 'quarter', from: '2026-10-01', to: '2027-01-01', timezone: 'Pacific/Auckland' }))
    // October alone: spend 50 vs budget 100 → −0.5, covering 31 of Q4's 92 days
    expect(q['2026-Q4']).toEqual({ value: -0.5, sampleSize: 1, measures: { spend: 50, budget: 100 }, reason: 'entered for 31 of 92 days' })
  })

  it('records(): the entries behind a value, who entered them, their note, components and corrections', async () => {
    await measurements(db(), monthlySpend.map((r) => ({ ...r, note: `${r.start.slice(0, 7)} from the AWS bill` })))
    await inTransaction(db(), (trx) =>
      writeMeasurements(trx, [{ kpiId: SPEND, scope: 'org', periodStart: '2026-08-01', periodEnd: '2026-09-01', value: 0.15, components: { spend: 115, budget: 100 }, note: '2026-08 from the AWS bill' }], {
        actor: 'bob',
        source: 'api',
        now: new Date('2026-12-05T10:00:00Z'),
      }),
    )
    const ctx = context(db(), SPEND, { kind: 'quarter', from: '2026-07-01', to: '2026-10-01' })
    expect((await compute(ctx))['2026-Q3']).toMatchObject({ value: 5 / 300, measures: { spend: 305, budget: 300 } })
    const formula = FORMULAS.get('entered.variance_of_sums')!
    const page = await formula.records!(ctx, { start: ctx.periods[0]!.start, end: ctx.periods[0]!.end, limit: 2, offset: 1 })
    expect(page.total).toBe(3)
    expect(page.records).toEqual([
      {
        type: 'measurement',
        id: expect.any(String),
        title: 'cost.cloud_spend_vs_budget for 2026-08-01 – 2026-08-31 (org)',
        at: '2026-12-01T09:00:00.000Z',
        url: null,
        value: 0.15,
        fields: {
          scope: 'org',
          periodStart: '2026-08-01',
          periodEnd: '2026-09-01',
          enteredBy: 'alice',
          enteredAt: '2026-12-01T09:00:00.000Z',
          source: 'test',
          note: '2026-08 from the AWS bill',
          'component.spend': 115,
          'component.budget': 100,
          corrections: 1,
          lastCorrectedBy: 'bob',
          lastCorrectedAt: '2026-12-05T10:00:00.000Z',
          history: '2026-12-05T10:00:00.000Z bob [api]: 0.2 → 0.15 (spend 120 → 115)',
        },
      },
      expect.objectContaining({ value: -0.1, fields: expect.objectContaining({ corrections: 0, history: null, 'component.spend': 90 }) }),
    ])
  })
})
