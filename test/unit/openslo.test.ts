import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadSlos, resolveDocuments, windowStart } from '../../server/slo/index.ts'

const doc = (spec: Record<string, unknown>, name = 'a-slo') => ({ file: 'a.yaml', at: '', doc: { apiVersion: 'openslo/v1', kind: 'SLO', metadata: { name }, spec } })
const ratio = { ratioMetric: { counter: true, good: { metricSource: { type: Prometheus(), spec: { query: 'good_total' } } }, total: { metricSource: { type: 'Prometheus', spec: { query: 'all_total' } } } } }
function Prometheus() {
  return 'Prometheus'
}
const base = { service: 'svc', indicator: { metadata: { name: 'i' }, spec: ratio }, timeWindow: [{ duration: '28d', isRolling: true }], budgetingMethod: 'Occurrences', objectives: [{ target: 0.99 }] }

describe('loadSlos', () => {
  it('loads the demo SLO files without problems', () => {
    const { slos, problems } = loadSlos(fileURLToPath(new URL('../../kpi-definitions/slos/', import.meta.url)))
    expect(problems).toEqual([])
    expect(slos.map((s) => [s.id, s.service, s.budgetingMethod, s.objectives[0]!.target, s.timeWindow.kind])).toEqual([
      ['checkout-web-latency', 'checkout-web', 'Occurrences', 0.95, 'calendar'],
      ['identity-api-availability', 'identity-api', 'Timeslices', 0.995, 'rolling'],
      ['payments-api-availability', 'payments-api', 'Occurrences', 0.999, 'rolling'],
    ])
  })

  it.each([
    ['a target above 1', { objectives: [{ target: 99.9 }] }, 'spec.objectives[0].target', 'must be a number between 0 and 1, e.g. 0.999 (got 99.9)'],
    ['Timeslices without timeSliceTarget', { budgetingMethod: 'Timeslices', objectives: [{ target: 0.99, timeSliceWindow: '1m' }] }, 'spec.objectives[0].timeSliceTarget', 'is required with Timeslices: a number between 0 and 1, e.g. 0.95 (got undefined)'],
    ['a bad duration', { timeWindow: [{ duration: '28 days', isRolling: true }] }, 'spec.timeWindow[0].duration', 'must be a number and a unit (m, h, d, w, M, Q, Y), e.g. 28d (got "28 days")'],
    ['an unknown indicatorRef', { indicator: undefined, indicatorRef: 'nope' }, 'spec.indicatorRef', 'names no SLI document: "nope" (an SLI with that metadata.name must be in the same directory)'],
    ['a Prometheus source without query', { indicator: { spec: { ratioMetric: { counter: true, bad: { metricSource: { type: 'Prometheus', spec: {} } }, total: ratio.ratioMetric.total } } } }, 'spec.indicator.spec.ratioMetric.bad.metricSource.spec.query', 'must be a PromQL selector of a counter, e.g. http_requests_total{service="payments-api"}'],
    ['an unknown budgeting method', { budgetingMethod: 'Events' }, 'spec.budgetingMethod', 'must be one of Occurrences, Timeslices, RatioTimeslices (got "Events")'],
  ])('names the file and field for %s', (_label, patch, field, message) => {
    const { slos, problems } = resolveDocuments([doc({ ...base, ...patch })])
    expect(slos).toEqual([])
    expect(problems).toEqual([{ file: 'a.yaml', field, message }])
  })

  it('reads targetPercent as a fraction and bad as the indicator', () => {
    const { slos } = resolveDocuments([doc({ ...base, objectives: [{ targetPercent: 99.5 }] })])
    expect(slos[0]!.objectives[0]!.target).toBeCloseTo(0.995, 12)
  })
})

describe('windowStart', () => {
  it.each([
    [{ kind: 'rolling', duration: '28d', hours: 672 } as const, '2026-11-22T12:07:00Z', '2026-10-25T12:07:00.000Z'],
    [{ kind: 'calendar', duration: '1M', count: 1, unit: 'month', startTime: new Date('2026-01-01T00:00:00Z'), timeZone: 'UTC' } as const, '2026-11-22T12:07:00Z', '2026-11-01T00:00:00.000Z'],
    [{ kind: 'calendar', duration: '1Q', count: 1, unit: 'quarter', startTime: new Date('2026-01-01T00:00:00Z'), timeZone: 'UTC' } as const, '2026-11-22T12:07:00Z', '2026-10-01T00:00:00.000Z'],
    [{ kind: 'calendar', duration: '2w', count: 2, unit: 'week', startTime: new Date('2026-11-02T00:00:00Z'), timeZone: 'UTC' } as const, '2026-11-22T12:07:00Z', '2026-11-16T00:00:00.000Z'],
  ])('%o at %s starts at %s', (window, now, start) => {
    expect(windowStart(window, new Date(now)).toISOString()).toBe(start)
  })
})
