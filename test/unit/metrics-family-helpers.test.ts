import { describe, expect, it } from 'vitest'
import { DEFAULT_LABELS } from '../../server/config/app-config.ts'
import { collectedFor, ratio } from '../../server/metrics/incidents.metrics.ts'
import { parsePeriodLabel } from '../../server/metrics/periods.ts'
import { labelsOf } from '../../server/metrics/quality.metrics.ts'
import { FORMULAS } from '../../server/metrics/registry.ts'
import { asOfEnd } from '../../server/metrics/security.metrics.ts'
import type { MetricContext } from '../../server/metrics/types.ts'
import { testConfig } from '../support/config.ts'

describe('ratio', () => {
  it.each([
    [3, 8, 0.375],
    [0, 4, 0],
    [0, 0, null],
    [2, 0, null],
  ])('%i ÷ %i = %s (null over an empty denominator, never 0)', (n, d, expected) => {
    expect(ratio(n, d)).toBe(expected)
  })
})

describe('collectedFor', () => {
  const january = parsePeriodLabel('2026-01', 'UTC')!
  it.each([
    ['no fact at all', null, false],
    ['the earliest fact inside the period', new Date('2026-01-20T00:00:00Z'), true],
    ['the earliest fact before the period', new Date('2025-06-01T00:00:00Z'), true],
    ['the earliest fact exactly at the period end', new Date('2026-02-01T00:00:00Z'), false],
    ['the earliest fact after the period', new Date('2026-03-01T00:00:00Z'), false],
  ])('%s → %s', (_, since, expected) => {
    expect(collectedFor(january, since)).toBe(expected)
  })
})

describe('asOfEnd', () => {
  it.each([
    ['2026-01', 'UTC', '2026-02-01'],
    ['2026-02', 'Europe/Berlin', '2026-03-01'],
    ['2026-Q1', 'America/New_York', '2026-04-01'],
    ['2026-W09', 'UTC', '2026-03-02'],
  ])('observations of %s in %s are those dated before %s', (label, tz, day) => {
    const p = parsePeriodLabel(label, tz)!
    expect(asOfEnd(p, tz)).toEqual({ day, end: p.end })
  })
})

describe('labelsOf', () => {
  it('uses the defaults when GitHub is not configured, the configured labels otherwise', () => {
    expect(labelsOf({ config: testConfig() } as MetricContext)).toEqual(DEFAULT_LABELS)
    const config = testConfig({ sources: { github: { token: 'x', repos: ['acme/*'], labels: { techDebt: ['debt'] } } } })
    expect(labelsOf({ config } as MetricContext)).toMatchObject({ techDebt: ['debt'], bug: ['bug'] })
  })
})

describe('registry', () => {
  it.each([
    ['incidents.mttr', ['median']],
    ['incidents.sev12_count', ['sev1', 'sev2']],
    ['incidents.repeat_rate', ['repeats']],
    ['security.incidents', ['median_hours_to_contain', 'resolved']],
    ['security.vuln_sla_compliance', ['due', 'met', 'breached', 'not_yet_due']],
    ['security.scanning_coverage', ['scanned', 'active', 'archived', 'unobserved']],
    ['quality.escaped_defect_rate', ['escaped', 'bugs']],
    ['quality.customer_critical_bugs', undefined],
    ['delivery.roadmap_predictability', ['milestones', 'on_time', 'not_yet_due']],
    ['delivery.tech_debt_burndown', ['open_at_start', 'closed']],
    ['platform.adoption_rate', ['adopted', 'known', 'unknown', 'unobserved']],
  ])('%s is registered with records and its measures', (id, measures) => {
    const f = FORMULAS.get(id)!
    expect(f.id).toBe(id)
    expect(f.measures).toEqual(measures)
    expect(typeof f.records).toBe('function')
  })
})
