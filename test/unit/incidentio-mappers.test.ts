import { describe, expect, it } from 'vitest'
import { incidentIoResolvedAt, incidentIoSeverity, isCounted, severityByRank, type IoIncident } from '../../collectors/incidentio/index.ts'

describe('incident.io severity', () => {
  it('maps the highest rank to sev1, the next to sev2, … and caps at sev5', () => {
    expect([...severityByRank([1, 4, 2, 3, 0, 2, -1]).entries()]).toEqual([
      [4, 'sev1'],
      [3, 'sev2'],
      [2, 'sev3'],
      [1, 'sev4'],
      [0, 'sev5'],
      [-1, 'sev5'],
    ])
  })
  it.each([
    ['by rank', { name: 'Major', rank: 2 }, undefined, 'sev2'],
    ['by name map', { name: 'Major', rank: 2 }, { major: 'sev3' }, 'sev3'],
    ['name not in the map', { name: 'Minor', rank: 1 }, { Major: 'sev3' }, null],
    ['no severity', null, undefined, null],
  ] as const)('%s', (_, severity, map, expected) => {
    expect(incidentIoSeverity(severity, map, severityByRank([3, 2, 1]))).toBe(expected)
  })
})

describe('incident.io status categories', () => {
  it.each([
    ['live', 'standard', true],
    ['closed', 'retrospective', true],
    ['triage', 'standard', true],
    ['declined', 'standard', false],
    ['canceled', 'standard', false],
    ['merged', 'standard', false],
    ['closed', 'test', false],
    ['closed', 'tutorial', false],
  ])('%s / %s counted: %s', (category, mode, counted) => {
    expect(isCounted({ incident_status: { category }, mode })).toBe(counted)
  })
})

describe('incident.io resolved time', () => {
  const base: IoIncident = { id: 'x', name: 'n', created_at: '2026-01-01T00:00:00Z', incident_status: { category: 'closed' } }
  const ts = (flags: object, value?: string) => ({ incident_timestamp: { name: 'Resolved at', ...flags }, ...(value ? { value: { value } } : {}) })
  it.each([
    ['timestamp set on resolution', { incident_timestamp_values: [ts({ set_on_resolution: true }, '2026-01-01T03:00:00Z')] }, '2026-01-01T03:00:00.000Z'],
    ['duration metric', { duration_metrics: [{ duration_metric: { name: 'Time to resolve' }, value_seconds: 1800 }] }, '2026-01-01T00:30:00.000Z'],
    ['timestamp without a value: the metric', { incident_timestamp_values: [ts({ set_on_resolution: true })], duration_metrics: [{ duration_metric: { name: 'Duration' }, value_seconds: 60 }] }, '2026-01-01T00:01:00.000Z'],
    ['nothing', {}, null],
    ['still live', { incident_status: { category: 'live' }, incident_timestamp_values: [ts({ set_on_resolution: true }, '2026-01-01T03:00:00Z')] }, null],
  ] as const)('%s', (_, extra, expected) => {
    expect(incidentIoResolvedAt({ ...base, ...extra } as IoIncident)?.toISOString() ?? null).toBe(expected)
  })
})
