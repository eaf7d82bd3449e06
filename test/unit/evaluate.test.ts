import { describe, expect, it } from 'vitest'
import { evaluate, levelOf } from '../../server/metrics/evaluate.ts'
import type { PeriodValue } from '../../server/metrics/types.ts'
import { testDefinition } from '../support/kpis.ts'

const v = (value: number | null, sampleSize = 10, measures?: Record<string, number | null>): PeriodValue => ({ value, sampleSize, ...(measures && { measures }) })

const cfr = testDefinition({
  id: 'dora.change_failure_rate',
  target: { op: '<=', value: 0.1 },
  warn: { op: '<=', value: 0.15 },
  minSample: 5,
  levels: { elite: 0.05, high: 0.1, medium: 0.15 },
  overrides: { 'team:payments': { target: { op: '<=', value: 0.05 } } },
})

describe('evaluate', () => {
  it.each([
    // value, sample, scope → status, level
    [0.05, 10, 'org', 'on-track', 'elite'],
    [0.1, 10, 'org', 'on-track', 'high'],
    [0.12, 10, 'org', 'at-risk', 'medium'],
    [0.15, 10, 'org', 'at-risk', 'medium'],
    [0.2, 10, 'org', 'off-track', 'low'],
    // Below min_sample 5: low confidence, the level is still reported.
    [0.0, 4, 'org', 'low-confidence', 'elite'],
    // The payments override (≤ 5 %, no warn band of its own) makes 8 % off track there.
    [0.08, 10, 'team:payments', 'off-track', 'high'],
    [0.05, 10, 'team:payments', 'on-track', 'elite'],
  ] as const)('CFR %s with %s deployments in %s is %s (%s)', (value, n, scope, status, level) => {
    const e = evaluate(cfr, scope, v(value, n), null)
    expect([e.status, e.level]).toEqual([status, level])
  })

  it('is no-data without a value, never a zero', () => {
    const e = evaluate(cfr, 'org', { value: null, sampleSize: 0, reason: 'no production deployments' }, v(0.1))
    expect(e).toEqual({ status: 'no-data', level: null, delta: null, reason: 'no production deployments' })
  })

  it('gives deltas in points for rates and percent otherwise, none from a zero or missing baseline', () => {
    // 12 % after 10 %: +2 points, worse for a lower-is-better rate.
    expect(evaluate(cfr, 'org', v(0.12), v(0.1)).delta).toEqual({ kind: 'points', value: 2, good: false })
    // A rate from a zero baseline still has a points delta.
    expect(evaluate(cfr, 'org', v(0.05), v(0)).delta).toEqual({ kind: 'points', value: 5, good: false })
    const hours = testDefinition({ unit: 'hours', target: { op: '<', value: 24 } })
    // 30 h after 40 h: −25 %, better.
    expect(evaluate(hours, 'org', v(30), v(40)).delta).toEqual({ kind: 'percent', value: -25, good: true })
    expect(evaluate(hours, 'org', v(30), v(0)).delta).toBeNull()
    expect(evaluate(hours, 'org', v(30), null).delta).toBeNull()
    expect(evaluate(hours, 'org', v(30), v(30)).delta).toEqual({ kind: 'percent', value: 0, good: null })
  })

  it('judges trend targets against the previous period', () => {
    const sev = testDefinition({ unit: 'count', target: { trend: 'down' }, minSample: 0 })
    expect(evaluate(sev, 'org', v(3), v(5)).status).toBe('on-track')
    expect(evaluate(sev, 'org', v(5), v(5)).status).toBe('at-risk')
    expect(evaluate(sev, 'org', v(0), v(0)).status).toBe('on-track')
    expect(evaluate(sev, 'org', v(6), v(5)).status).toBe('off-track')
    const first = evaluate(sev, 'org', v(6), null)
    expect([first.status, first.reason]).toEqual(['low-confidence', 'no previous value to compare the trend with'])
  })

  it('reads levels from measures and targets by level (deployment frequency)', () => {
    const df = testDefinition({
      unit: 'count',
      direction: 'higher_is_better',
      target: { level: 'high' },
      warn: { level: 'medium' },
      minSample: 0,
      levels: {
        elite: { op: '>=', value: 5, of: 'weekly_deploy_days_median' },
        high: { op: '>=', value: 1, of: 'weekly_deploy_days_median' },
        medium: { op: '>=', value: 1, of: 'monthly_deploy_days_median' },
      },
    })
    const at = (weekly: number, monthly: number) => evaluate(df, 'org', v(20, 20, { weekly_deploy_days_median: weekly, monthly_deploy_days_median: monthly }), null)
    expect([at(5, 20).level, at(5, 20).status]).toEqual(['elite', 'on-track'])
    expect([at(1, 6).level, at(1, 6).status]).toEqual(['high', 'on-track'])
    expect([at(0.5, 2).level, at(0.5, 2).status]).toEqual(['medium', 'at-risk'])
    expect([at(0, 0).level, at(0, 0).status]).toEqual(['low', 'off-track'])
  })

  it('compares absolute values for two-sided targets (spend within ±5 % of budget)', () => {
    const spend = testDefinition({ target: { op: '<=', value: 0.05, abs: true }, warn: { op: '<=', value: 0.1, abs: true } })
    expect(evaluate(spend, 'org', v(-0.04), null).status).toBe('on-track')
    expect(evaluate(spend, 'org', v(-0.07), null).status).toBe('at-risk')
    expect(evaluate(spend, 'org', v(0.12), null).status).toBe('off-track')
  })

  it('treats bare level bounds as inclusive and object bounds as written', () => {
    const lead = testDefinition({ unit: 'hours', target: { op: '<', value: 24 }, levels: { elite: { op: '<', value: 24 }, high: { op: '<', value: 168 }, medium: { op: '<', value: 720 } } })
    expect(levelOf(lead, v(23.9))).toBe('elite')
    expect(levelOf(lead, v(24))).toBe('high')
    expect(levelOf(lead, v(720))).toBe('low')
    expect(levelOf(cfr, v(0.15))).toBe('medium')
    expect(levelOf(cfr, v(0.1500001))).toBe('low')
  })
})
