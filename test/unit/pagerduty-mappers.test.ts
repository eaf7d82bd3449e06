import { describe, expect, it } from 'vitest'
import { retryDelayMs } from '../../collectors/shared/http-client.ts'
import {
  DEFAULT_PD_SEVERITY,
  MAX_WINDOW_MS,
  halve,
  incidentFromWebhook,
  normaliseTitle,
  pagerDutyAcknowledgedAt,
  pagerDutyResolvedAt,
  pagerDutySeverity,
  planWindows,
  rootCauseKey,
  teamOfService,
} from '../../collectors/pagerduty/index.ts'
import { testConfig } from '../support/config.ts'

const MAP = { P1: 'sev1', P2: 'sev2', high: 'sev2', low: 'sev4' }

describe('pagerDutySeverity', () => {
  it.each([
    ['priority name wins over urgency', { priority: { name: 'P1' }, urgency: 'low' }, 'sev1'],
    ['priority summary (webhooks) when no name', { priority: { summary: 'P2' }, urgency: 'low' }, 'sev2'],
    ['unmapped priority: no severity, urgency NOT used', { priority: { name: 'P3' }, urgency: 'high' }, null],
    ['no priority: the urgency', { priority: null, urgency: 'high' }, 'sev2'],
    ['priority absent: the urgency', { urgency: 'low' }, 'sev4'],
    ['case-insensitive keys', { priority: { name: 'p1' } }, 'sev1'],
    ['nothing at all', {}, null],
  ] as const)('%s', (_, incident, expected) => {
    expect(pagerDutySeverity(incident, MAP)).toBe(expected)
  })

  it('defaults to the example map of DESIGN §6', () => {
    expect(pagerDutySeverity({ priority: { name: 'P5' } }, DEFAULT_PD_SEVERITY)).toBe('sev5')
  })
})

describe('PagerDuty times', () => {
  it.each([
    ['resolved_at', { status: 'resolved', resolved_at: '2026-01-01T02:00:00Z', last_status_change_at: '2026-01-01T03:00:00Z' }, '2026-01-01T02:00:00.000Z'],
    ['older data: last_status_change_at', { status: 'resolved', last_status_change_at: '2026-01-01T03:00:00Z' }, '2026-01-01T03:00:00.000Z'],
    ['resolved_at null: last_status_change_at', { status: 'resolved', resolved_at: null, last_status_change_at: '2026-01-01T03:00:00Z' }, '2026-01-01T03:00:00.000Z'],
    ['not resolved', { status: 'acknowledged', last_status_change_at: '2026-01-01T03:00:00Z' }, null],
  ] as const)('resolved: %s', (_, incident, expected) => {
    expect(pagerDutyResolvedAt(incident)?.toISOString() ?? null).toBe(expected)
  })

  it.each([
    ['earliest acknowledgement', { status: 'acknowledged', acknowledgements: [{ at: '2026-01-01T00:09:00Z' }, { at: '2026-01-01T00:05:00Z' }] }, '2026-01-01T00:05:00.000Z'],
    ['acknowledged, no list: status change', { status: 'acknowledged', last_status_change_at: '2026-01-01T00:07:00Z' }, '2026-01-01T00:07:00.000Z'],
    ['triggered', { status: 'triggered', last_status_change_at: '2026-01-01T00:07:00Z' }, null],
  ] as const)('acknowledged: %s', (_, incident, expected) => {
    expect(pagerDutyAcknowledgedAt(incident)?.toISOString() ?? null).toBe(expected)
  })
})

describe('root cause key', () => {
  it.each([
    ['Checkout 500s on pod 7f3a9c21', 'checkout s on pod'],
    ['Job 3f2b1c4e-9a8d-4e7f-8c6b-1a2b3c4d5e6f failed (attempt 12)', 'job failed attempt'],
    ['High CPU on db-0x1F at 95%', 'high cpu on db at'],
    ['Decade-old facade broke', 'decade old facade broke'],
    ['  ', ''],
  ])('normaliseTitle(%j) = %j', (title, expected) => {
    expect(normaliseTitle(title)).toBe(expected)
  })

  it.each([
    [{ explicit: 'bad-deploy', dedupKey: 'k', service: 's', title: 't' }, 'bad-deploy'],
    [{ explicit: ' ', dedupKey: 'alert-key', service: 's', title: 't' }, 'alert-key'],
    [{ dedupKey: null, service: 'payments-api', title: 'Checkout 500s (#123)' }, 'payments-api:checkout s'],
    [{ service: null, title: 'Disk full' }, '-:disk full'],
    [{ service: null, title: '404' }, null],
  ])('rootCauseKey(%j) = %j', (parts, expected) => {
    expect(rootCauseKey(parts)).toBe(expected)
  })
})

describe('windows', () => {
  const DAY = 86_400_000
  it('cuts 365 days into 180 + 180 + 5', () => {
    expect(planWindows(0, 365 * DAY).map((w) => (w.end - w.start) / DAY)).toEqual([180, 180, 5])
    expect(MAX_WINDOW_MS).toBe(180 * DAY)
  })
  it('plans nothing for an empty range', () => {
    expect(planWindows(10, 10)).toEqual([])
  })
  it('halves a window, and refuses one too short to cut', () => {
    expect(halve({ start: 0, end: 10 })).toEqual([
      { start: 0, end: 5 },
      { start: 5, end: 10 },
    ])
    expect(halve({ start: 0, end: 1 })).toBeNull()
  })
})

describe('retryDelayMs', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  const h = (o: Record<string, string>) => new Headers(o)
  it.each([
    ['retry-after seconds', h({ 'retry-after': '5' }), 1, 5_000],
    ['retry-after HTTP date', h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), 1, 30_000],
    ['ratelimit-reset seconds', h({ 'ratelimit-reset': '12' }), 1, 12_000],
    ['x-ratelimit-reset epoch', h({ 'x-ratelimit-reset': String(now.getTime() / 1000 + 40) }), 1, 40_000],
    ['capped', h({ 'ratelimit-reset': '3600' }), 1, 120_000],
    ['a reset in the past: backoff', h({ 'x-ratelimit-reset': String(now.getTime() / 1000 - 40) }), 2, 2_000],
    ['no headers, attempt 1', h({}), 1, 1_000],
    ['no headers, attempt 4', h({}), 4, 8_000],
    ['no headers, attempt 10: capped backoff', h({}), 10, 60_000],
    ['network error', null, 3, 4_000],
  ] as const)('%s', (_, headers, attempt, expected) => {
    expect(retryDelayMs(headers, attempt, now, 120_000)).toBe(expected)
  })
})

describe('webhook → row', () => {
  const config = testConfig({
    teams: [{ id: 'payments', name: 'Payments', services: ['payments-api'] }],
    sources: { pagerduty: { services: { PSVC1: 'payments-api' }, severity: { P1: 'sev1', high: 'sev2', low: 'sev4' } } },
  })
  const data = { id: 'Q1', number: 7, status: 'resolved', title: 'Down', created_at: '2026-01-01T00:00:00Z', urgency: 'high', priority: { summary: 'P1' }, service: { id: 'PSVC1' }, incident_key: 'k' }
  const at = '2026-01-01T01:00:00Z'
  it('resolved: resolution at occurred_at, acknowledgement left as stored', () => {
    const row = incidentFromWebhook({ id: 'e', event_type: 'incident.resolved', occurred_at: at, data }, config)
    expect(row).toMatchObject({ external_id: 'Q1', severity: 'sev1', status: 'resolved', resolved_at: new Date(at), service: 'payments-api', team_id: 'payments' })
    expect('acknowledged_at' in row).toBe(false)
  })
  it('acknowledged: acknowledgement at occurred_at, not resolved', () => {
    const row = incidentFromWebhook({ id: 'e', event_type: 'incident.acknowledged', occurred_at: at, data: { ...data, status: 'acknowledged' } }, config)
    expect(row).toMatchObject({ acknowledged_at: new Date(at), resolved_at: null, status: 'acknowledged' })
  })
  it('priority_updated on a resolved incident keeps the stored resolution', () => {
    const row = incidentFromWebhook({ id: 'e', event_type: 'incident.priority_updated', occurred_at: at, data: { ...data, priority: null } }, config)
    expect('resolved_at' in row).toBe(false)
    expect(row.severity).toBe('sev2')
  })
  it('reopened clears the resolution', () => {
    const row = incidentFromWebhook({ id: 'e', event_type: 'incident.reopened', occurred_at: at, data: { ...data, status: 'triggered' } }, config)
    expect(row).toMatchObject({ resolved_at: null, status: 'triggered' })
  })
})

describe('teamOfService', () => {
  const config = testConfig({
    teams: [
      { id: 'payments', name: 'Payments', services: ['payments-api'] },
      { id: 'search', name: 'Search', repos: ['acme/search', 'acme/*'] },
    ],
  })
  it.each([
    ['payments-api', 'payments'],
    ['search', 'search'],
    ['unknown', null],
    [null, null],
  ])('%s → %s', (service, team) => {
    expect(teamOfService(service, config)).toBe(team)
  })
})
