import { describe, expect, it } from 'vitest'
import { alertState, attainmentOf, budgetOf, burnDown, burnOf, objectiveOf, sliceSpec, slosInScope } from '../../server/metrics/slo-attainment.ts'
import type { ResolvedScope } from '../../server/metrics/scope.ts'
import type { SliTotals } from '../../server/repositories/kpi/slo.repository.ts'
import type { BudgetingMethod, Slo } from '../../server/slo/openslo.ts'

function slo(id: string, target: number, method: BudgetingMethod = 'Occurrences', service = 'svc'): Slo {
  return {
    id,
    displayName: null,
    description: null,
    service,
    file: `${id}.yaml`,
    indicatorName: null,
    indicator: { counter: true, good: null, bad: { type: 'Prometheus', spec: {}, query: 'bad' }, total: { type: 'Prometheus', spec: {}, query: 'total' } },
    timeWindow: { kind: 'rolling', duration: '28d', hours: 672 },
    budgetingMethod: method,
    objectives: [
      { displayName: null, target, timeSliceTarget: method === 'Timeslices' ? 0.95 : null, timeSliceMinutes: method === 'Occurrences' ? null : 5 },
      { displayName: null, target: 0.5, timeSliceTarget: method === 'Timeslices' ? 0.5 : null, timeSliceMinutes: method === 'Occurrences' ? null : 1 },
    ],
  }
}

const totals = (t: Partial<SliTotals>): SliTotals => ({ good: 0, total: 0, dataSeconds: 0, goodSeconds: 0, ratioSeconds: 0, ...t })

describe('attainment', () => {
  it.each([
    ['Occurrences: good ÷ total events', 'Occurrences', totals({ good: 990, total: 1000, dataSeconds: 3600, goodSeconds: 0 }), 0.99],
    ['Occurrences without events', 'Occurrences', totals({ dataSeconds: 3600 }), null],
    ['Timeslices: good slice time ÷ slice time', 'Timeslices', totals({ good: 5, total: 10, dataSeconds: 7200, goodSeconds: 5400 }), 0.75],
    ['Timeslices without slices with data', 'Timeslices', totals({ good: 0, total: 0 }), null],
    ['RatioTimeslices: time-weighted mean of slice ratios (60 min at 0.9, 60 min at 1.0)', 'RatioTimeslices', totals({ dataSeconds: 7200, ratioSeconds: 3600 * 0.9 + 3600 }), 0.95],
  ] as const)('%s', (_label, method, t, expected) => {
    const a = attainmentOf(method, t)
    if (expected === null) expect(a).toBeNull()
    else expect(a).toBeCloseTo(expected, 12)
  })

  it('is null without totals', () => {
    expect(attainmentOf('Occurrences', undefined)).toBeNull()
  })
})

describe('error budget burn', () => {
  it.each([
    ['exactly spent: 99.9 % against 99.9 %', 0.999, 0.999, 1],
    ['nothing bad', 0.999, 1, 0],
    ['twice the budget: 98 % against 99 %', 0.99, 0.98, 2],
    ['a quarter: 99.75 % against 99 %', 0.99, 0.9975, 0.25],
  ])('%s', (_label, target, attainment, expected) => {
    expect(burnOf(target, attainment)).toBeCloseTo(expected, 10)
  })

  it('is null without data', () => {
    expect(burnOf(0.99, null)).toBeNull()
  })
})

describe('alert state (SRE Workbook multi-window)', () => {
  it.each([
    ['1 h at 14.4 pages', { '1h': 14.4, '6h': 2, '3d': 0.5 }, 'page'],
    ['1 h just under 14.4 with 6 h under 6 and 3 d under 1 is ok', { '1h': 14.39, '6h': 5.99, '3d': 0.99 }, 'ok'],
    ['6 h at 6 pages', { '1h': 3, '6h': 6, '3d': 0.9 }, 'page'],
    ['3 d at 1 is a ticket', { '1h': 0, '6h': 0.5, '3d': 1 }, 'ticket'],
    ['the last hour without samples still reads the longer windows', { '1h': null, '6h': 7, '3d': 2 }, 'page'],
    ['only the 3 d window has samples', { '1h': null, '6h': null, '3d': 1.5 }, 'ticket'],
    ['no samples at all', { '1h': null, '6h': null, '3d': null }, 'no-data'],
  ] as const)('%s', (_label, rates, expected) => {
    expect(alertState(rates)).toBe(expected)
  })
})

describe('budget', () => {
  it('Occurrences: the budget in events, consumed, remaining = 1 − burn', () => {
    expect(budgetOf(slo('a', 0.99), totals({ good: 2980, total: 3000 }))).toEqual({
      attainment: 2980 / 3000,
      unit: 'events',
      total: expect.closeTo(30, 10),
      consumed: 20,
      remaining: expect.closeTo(1 / 3, 10),
    })
  })

  it('Timeslices: the budget in slice minutes; negative remaining when overspent', () => {
    // 100 minutes with data, 80 good: 20 bad minutes of the 10 allowed.
    expect(budgetOf(slo('t', 0.9, 'Timeslices'), totals({ good: 1, total: 1, dataSeconds: 6000, goodSeconds: 4800 }))).toEqual({
      attainment: 0.8,
      unit: 'minutes',
      total: expect.closeTo(10, 10),
      consumed: 20,
      remaining: expect.closeTo(-1, 10),
    })
  })

  it('without data: nulls', () => {
    expect(budgetOf(slo('r', 0.9, 'RatioTimeslices'), undefined)).toEqual({ attainment: null, unit: 'minutes', total: null, consumed: null, remaining: null })
  })

  it('burn-down: remaining after each day from the window start, null until data arrives, the last point at now', () => {
    const start = new Date('2026-11-01T00:00:00Z')
    const now = new Date('2026-11-04T06:00:00Z')
    const days = new Map([
      [1, totals({ good: 995, total: 1000 })],
      [3, totals({ good: 985, total: 1000 })],
    ])
    expect(burnDown(slo('a', 0.99), start, now, days).map((p) => [p.at.toISOString(), p.remaining === null ? null : Math.round(p.remaining * 1e9) / 1e9])).toEqual([
      ['2026-11-02T00:00:00.000Z', null],
      ['2026-11-03T00:00:00.000Z', 0.5],
      ['2026-11-04T00:00:00.000Z', 0.5],
      ['2026-11-04T06:00:00.000Z', 0],
    ])
  })
})

describe('objective, slices and scope', () => {
  it('measures against the first objective', () => {
    expect(objectiveOf(slo('t', 0.99, 'Timeslices')).target).toBe(0.99)
  })

  it.each([
    ['Occurrences: no slices', 'Occurrences', { id: 'x', sliceSeconds: null, sliceTarget: null }],
    ['Timeslices: the first objective’s slice and slice target', 'Timeslices', { id: 'x', sliceSeconds: 300, sliceTarget: 0.95 }],
    ['RatioTimeslices: slices without a target', 'RatioTimeslices', { id: 'x', sliceSeconds: 300, sliceTarget: null }],
  ] as const)('%s', (_label, method, expected) => {
    expect(sliceSpec(slo('x', 0.99, method))).toEqual(expected)
  })

  it('keeps the SLOs of the scope’s services', () => {
    const slos = [slo('a', 0.9, 'Occurrences', 'payments-api'), slo('b', 0.9, 'Occurrences', 'checkout-web')]
    const scope: ResolvedScope = { kind: 'team', id: 'payments', key: 'team:payments', services: ['payments-api'], repoIds: [], teamId: 'payments' }
    expect(slosInScope(scope, slos).map((s) => s.id)).toEqual(['a'])
    expect(slosInScope({ ...scope, kind: 'org', services: null }, slos).map((s) => s.id)).toEqual(['a', 'b'])
  })
})
