import { describe, expect, it } from 'vitest'
import { halve, hourlyCountQuery, hourlyCounts, parseSampleValue, planRanges, sumByTimestamp } from '../../collectors/prometheus/queries.ts'

const src = (query: string) => ({ type: 'Prometheus', spec: { query }, query })
const H = 3600

describe('Prometheus queries', () => {
  it.each([
    ['12', 12],
    ['0.5', 0.5],
    ['1e3', 1000],
    ['NaN', null],
    ['+Inf', null],
    ['-Inf', null],
    ['', null],
  ])('sample value %j → %j', (v, n) => expect(parseSampleValue(v)).toBe(n))

  it('asks for the hourly increase of a selector, and of a subquery otherwise', () => {
    expect(hourlyCountQuery(src('http_requests_total{code=~"5.."}'), true)).toBe('sum(increase(http_requests_total{code=~"5.."}[1h]))')
    expect(hourlyCountQuery(src('sum by (job) (x_total)'), true)).toBe('sum(increase((sum by (job) (x_total))[1h:]))')
    expect(hourlyCountQuery(src('events'), false)).toBe('sum(sum_over_time(events[1h]))')
  })

  it('plans ranges of at most 11,000 points and halves them', () => {
    expect(planRanges(0, 11_999 * H)).toEqual([
      { start: 0, end: 10_999 * H },
      { start: 11_000 * H, end: 11_999 * H },
    ])
    expect(halve({ start: 0, end: 47 * H })).toEqual([
      { start: 0, end: 23 * H },
      { start: 24 * H, end: 47 * H },
    ])
    expect(halve({ start: 0, end: 0 })).toBeNull()
  })

  it('sums series per timestamp and turns good/bad and total into hourly counts', () => {
    const total = sumByTimestamp([
      { metric: { a: '1' }, values: [[H, '100'], [2 * H, '100'], [3 * H, 'NaN']] },
      { metric: { a: '2' }, values: [[H, '50'], [2 * H, '0']] },
    ])
    expect([...total]).toEqual([[H, 150], [2 * H, 100], [3 * H, null]])
    const bad = sumByTimestamp([{ metric: {}, values: [[H, '3']] }])
    const indicator = { counter: true, good: null, bad: src('b'), total: src('t') }
    expect(hourlyCounts(indicator, bad, total)).toEqual([
      { intervalStart: new Date(0), intervalEnd: new Date(H * 1000), good: 147, total: 150 },
      { intervalStart: new Date(H * 1000), intervalEnd: new Date(2 * H * 1000), good: 100, total: 100 },
    ])
    // good above total (extrapolation) is clamped to total.
    expect(hourlyCounts({ ...indicator, good: src('g'), bad: null }, new Map([[H, 151]]), new Map([[H, 150]]))[0]!.good).toBe(150)
  })
})
