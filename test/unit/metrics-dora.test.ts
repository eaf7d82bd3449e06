import { describe, expect, it } from 'vitest'
import { daysIn, frequencyMeasures, median, periodsStartingIn } from '../../server/metrics/dora.metrics.ts'
import { parseLocalDate, parsePeriodLabel } from '../../server/metrics/periods.ts'

const period = (label: string, tz = 'UTC') => parsePeriodLabel(label, tz)!
const day = (text: string, deployments = 1, tz = 'UTC') => ({ at: parseLocalDate(text, tz)!.getTime(), deployments })

describe('median', () => {
  it.each([
    [[], null],
    [[7], 7],
    [[50, 2, 26], 26],
    [[1, 2, 3, 4], 2.5],
    [[0, 0, 1, 2], 0.5],
  ])('of %j is %s', (values, expected) => {
    expect(median(values)).toBe(expected)
  })
})

describe('periodsStartingIn', () => {
  it.each([
    // March 2026 starts on a Sunday: its weeks start on the 2nd, 9th, 16th, 23rd and 30th.
    ['week', '2026-03', ['2026-W10', '2026-W11', '2026-W12', '2026-W13', '2026-W14']],
    ['week', '2026-04', ['2026-W15', '2026-W16', '2026-W17', '2026-W18']],
    ['week', '2026-W10', ['2026-W10']],
    ['month', '2026-Q1', ['2026-01', '2026-02', '2026-03']],
    ['month', '2026-05', ['2026-05']],
    ['month', '2026-W14', ['2026-04']],
    ['month', '2026-W13', []],
  ] as const)('%s periods starting in %s', (kind, label, expected) => {
    expect(periodsStartingIn(kind, period(label), 'UTC').map((p) => p.label)).toEqual(expected)
  })

  it('cuts weeks at local midnight in the zone', () => {
    const weeks = periodsStartingIn('week', period('2026-03', 'America/New_York'), 'America/New_York')
    expect(weeks[0]!.start.toISOString()).toBe('2026-03-02T05:00:00.000Z')
    // After the 8 March DST change New York is UTC−4.
    expect(weeks[1]!.start.toISOString()).toBe('2026-03-09T04:00:00.000Z')
  })
})

describe('daysIn', () => {
  it.each([
    ['2026-02', 'UTC', 28],
    ['2026-03', 'Europe/Berlin', 31],
    ['2026-10', 'Europe/Berlin', 31],
    ['2026-Q1', 'UTC', 90],
    ['2026-W13', 'Europe/Berlin', 7],
  ])('%s in %s has %i days', (label, tz, expected) => {
    expect(daysIn(period(label, tz))).toBe(expected)
  })
})

describe('frequencyMeasures', () => {
  // Deployment days: W10 has 5 (two deployments on the 2nd), W11 2, W12 none, W13 1, and W14
  // (30 March – 5 April) 3 of which 2 fall in April. May's first week holds 1 May.
  const days = [
    day('2026-03-02', 2),
    day('2026-03-03'),
    day('2026-03-04'),
    day('2026-03-05'),
    day('2026-03-06'),
    day('2026-03-10'),
    day('2026-03-12'),
    day('2026-03-25'),
    day('2026-03-30'),
    day('2026-04-01'),
    day('2026-04-03'),
    day('2026-04-20'),
    day('2026-04-28'),
    day('2026-05-01'),
  ]

  it('counts a month and takes the median over the ISO weeks starting in it (odd count)', () => {
    // Weeks starting in March: [5, 2, 0, 1, 3] → median 2; March has 9 deployment days.
    expect(frequencyMeasures(period('2026-03'), days, 'UTC')).toEqual({
      count: 10,
      per_day: 10 / 31,
      deployment_days: 9,
      weekly_deploy_days_median: 2,
      monthly_deploy_days_median: 9,
    })
  })

  it('reads whole weeks past the month end (even count)', () => {
    // Weeks starting in April: W15 0, W16 0, W17 1 (20th), W18 2 (28 April and 1 May) → median 0.5.
    expect(frequencyMeasures(period('2026-04'), days, 'UTC')).toEqual({
      count: 4,
      per_day: 4 / 30,
      deployment_days: 4,
      weekly_deploy_days_median: 0.5,
      monthly_deploy_days_median: 4,
    })
  })

  it('uses the week itself for a week period, and the months starting in a quarter', () => {
    expect(frequencyMeasures(period('2026-W10'), days, 'UTC')).toEqual({
      count: 6,
      per_day: 6 / 7,
      deployment_days: 5,
      weekly_deploy_days_median: 5,
      monthly_deploy_days_median: 5,
    })
    // Q1: 13 weeks of which 9 without deployments → median 0; months [0, 0, 9] → 0.
    expect(frequencyMeasures(period('2026-Q1'), days, 'UTC')).toMatchObject({ count: 10, deployment_days: 9, weekly_deploy_days_median: 0, monthly_deploy_days_median: 0 })
  })

  it('counts 0 for a period without deployments', () => {
    expect(frequencyMeasures(period('2026-W12'), days, 'UTC')).toEqual({
      count: 0,
      per_day: 0,
      deployment_days: 0,
      weekly_deploy_days_median: 0,
      monthly_deploy_days_median: 0,
    })
  })
})
