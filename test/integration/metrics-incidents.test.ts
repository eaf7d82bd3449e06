import { beforeEach, expect, it } from 'vitest'
import { rootCauseKey } from '../../collectors/shared/incident-common.ts'
import { forEachBackend } from '../support/databases.ts'
import { addHours, compute, context, incidents, records, repos, reset } from './metrics-h2-fixture.ts'

forEachBackend('incident KPIs', (t) => {
  const db = () => t.db.db

  beforeEach(async () => {
    await reset(db())
    await repos(db(), [{ fullName: 'acme/payments-api' }, { fullName: 'acme/search' }])
  })

  it('incidents.mttr: mean (value) and median of sev1–sev2 hours to resolve, by month of resolution', async () => {
    await incidents(db(), [
      // January: [2 h, 26 h, 80 h, 120 h] → mean 57, median (26 + 80) / 2 = 53, p75 80 + 0.25·40 = 90, p90 80 + 0.7·40 = 108
      { severity: 'sev1', service: 'payments-api', started_at: '2026-01-05T10:00:00Z', resolved_at: addHours('2026-01-05T10:00:00Z', 2) },
      { severity: 'sev2', service: 'payments-api', started_at: '2026-01-10T00:00:00Z', resolved_at: addHours('2026-01-10T00:00:00Z', 26) },
      { severity: 'sev1', service: 'search', started_at: '2026-01-20T00:00:00Z', resolved_at: addHours('2026-01-20T00:00:00Z', 80) },
      // started in December, resolved in January: counts in January
      { severity: 'sev2', service: 'search', started_at: '2025-12-28T00:00:00Z', resolved_at: '2026-01-02T00:00:00Z' },
      // not sev1–2: never counted
      { severity: 'sev3', service: 'search', started_at: '2026-01-03T00:00:00Z', resolved_at: '2026-01-07T04:00:00Z' },
      { severity: null, service: 'search', started_at: '2026-02-03T00:00:00Z', resolved_at: '2026-02-03T09:00:00Z' },
      // February: [1 h, 3 h, 8 h] → mean 4, median 3, p75 3 + 0.5·5 = 5.5, p90 3 + 0.8·5 = 7
      { severity: 'sev1', service: 'payments-api', started_at: '2026-02-02T00:00:00Z', resolved_at: '2026-02-02T01:00:00Z' },
      { severity: 'sev2', service: 'search', started_at: '2026-02-10T00:00:00Z', resolved_at: '2026-02-10T03:00:00Z' },
      { severity: 'sev2', team_id: 'payments', started_at: '2026-02-20T00:00:00Z', resolved_at: '2026-02-20T08:00:00Z' },
      // March: only one still open
      { severity: 'sev1', service: 'search', started_at: '2026-03-30T00:00:00Z' },
    ])
    const v = await compute('incidents.mttr', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-04-01', now: '2026-04-15T00:00:00Z' }))
    expect(v['2026-01']).toEqual({ value: 57, sampleSize: 4, mean: 57, p75: 90, p90: 108, measures: { median: 53 } })
    expect(v['2026-02']!.value).toBeCloseTo(4, 10)
    expect(v['2026-02']).toMatchObject({ sampleSize: 3, p75: 5.5, measures: { median: 3 } })
    expect(v['2026-02']!.p90).toBeCloseTo(7, 10)
    expect(v['2026-03']).toEqual({ value: null, sampleSize: 0, mean: null, p75: null, p90: null, measures: { median: null } })

    // team payments: its service's incidents and those carrying its team id — Jan [2, 26], Feb [1, 8]
    const team = await compute('incidents.mttr', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', scope: 'team:payments', now: '2026-04-15T00:00:00Z' }))
    expect([team['2026-01']!.value, team['2026-01']!.measures!.median, team['2026-01']!.sampleSize]).toEqual([14, 14, 2])
    expect([team['2026-02']!.value, team['2026-02']!.sampleSize]).toEqual([4.5, 2])
    const service = await compute('incidents.mttr', await context(db(), { kind: 'month', from: '2026-02-01', to: '2026-03-01', scope: 'service:search', now: '2026-04-15T00:00:00Z' }))
    expect(service['2026-02']).toMatchObject({ value: 3, sampleSize: 1, measures: { median: 3 } })

    const page = await records('incidents.mttr', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01', now: '2026-04-15T00:00:00Z' }), '2026-01', { limit: 2 })
    expect(page.total).toBe(4)
    expect(page.records.map((r) => [r.at, r.value, r.fields.severity, r.fields.service])).toEqual([
      ['2026-01-23T08:00:00.000Z', 80, 'sev1', 'search'],
      ['2026-01-11T02:00:00.000Z', 26, 'sev2', 'payments-api'],
    ])
    expect(page.records[0]).toMatchObject({ type: 'incident', url: expect.stringMatching(/^https:\/\/incidents\.example\/INC-/), fields: { started_at: '2026-01-20T00:00:00.000Z', duration_hours: 80 } })
    const rest = await records('incidents.mttr', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01', now: '2026-04-15T00:00:00Z' }), '2026-01', { limit: 2, offset: 2 })
    expect(rest.records.map((r) => r.value)).toEqual([2, 120])
  })

  it('incidents.mttr: an incident resolved at 23:30 UTC on the last day of a month belongs to the next month in Berlin', async () => {
    await incidents(db(), [
      { severity: 'sev2', service: 'edge', started_at: '2026-01-30T10:00:00Z', resolved_at: '2026-01-30T11:00:00Z' },
      { severity: 'sev1', service: 'edge', started_at: '2026-01-31T20:30:00Z', resolved_at: '2026-01-31T23:30:00Z' },
    ])
    const opts = { kind: 'month', from: '2026-01-01', to: '2026-03-01', scope: 'service:edge', now: '2026-03-10T00:00:00Z' } as const
    const utc = await compute('incidents.mttr', await context(db(), opts))
    expect([utc['2026-01']!.value, utc['2026-01']!.sampleSize, utc['2026-02']!.value]).toEqual([2, 2, null])
    const berlin = await compute('incidents.mttr', await context(db(), { ...opts, timezone: 'Europe/Berlin' }))
    expect([berlin['2026-01']!.value, berlin['2026-01']!.sampleSize, berlin['2026-02']!.value, berlin['2026-02']!.sampleSize]).toEqual([1, 1, 3, 1])
  })

  it('incidents.sev12_count: sev1 + sev2 started per period, 0 once incidents are collected and null before', async () => {
    await incidents(db(), [
      { severity: 'sev3', service: 'search', started_at: '2026-01-10T00:00:00Z' }, // the earliest incident: collection starts here
      { severity: 'sev1', service: 'payments-api', started_at: '2026-01-12T00:00:00Z' },
      { severity: 'sev2', service: 'search', started_at: '2026-01-13T00:00:00Z' },
      { severity: 'sev2', team_id: 'payments', started_at: '2026-01-14T00:00:00Z' },
      { severity: 'sev4', service: 'search', started_at: '2026-02-14T00:00:00Z' },
      // 22:30 UTC on 31 March is 00:30 on 1 April in Berlin (summer time)
      { severity: 'sev1', service: 'search', started_at: '2026-03-31T22:30:00Z' },
    ])
    const opts = { kind: 'month', from: '2025-12-01', to: '2026-05-01', now: '2026-04-20T00:00:00Z' } as const
    const v = await compute('incidents.sev12_count', await context(db(), opts))
    expect(v['2025-12']).toMatchObject({ value: null, sampleSize: 0 })
    expect(v['2026-01']).toEqual({ value: 3, sampleSize: 3, measures: { sev1: 1, sev2: 2 } })
    expect(v['2026-02']).toEqual({ value: 0, sampleSize: 0, measures: { sev1: 0, sev2: 0 } })
    expect([v['2026-03']!.value, v['2026-04']!.value]).toEqual([1, 0])
    const berlin = await compute('incidents.sev12_count', await context(db(), { ...opts, timezone: 'Europe/Berlin' }))
    expect([berlin['2026-03']!.value, berlin['2026-04']!.value]).toEqual([0, 1])

    const team = await compute('incidents.sev12_count', await context(db(), { ...opts, scope: 'team:payments' }))
    expect(team['2026-01']).toEqual({ value: 2, sampleSize: 2, measures: { sev1: 1, sev2: 1 } })
    const repo = await compute('incidents.sev12_count', await context(db(), { ...opts, scope: 'repo:acme/search' }))
    expect([repo['2026-01']!.value, repo['2026-03']!.value]).toEqual([1, 1])

    const week = await compute('incidents.sev12_count', await context(db(), { kind: 'week', from: '2026-01-05', to: '2026-01-19', now: '2026-04-20T00:00:00Z' }))
    // 2026-W02 is Mon 5 – Sun 11 January (nothing sev1–2), W03 is 12–18 January
    expect([week['2026-W02']!.value, week['2026-W03']!.value]).toEqual([0, 3])

    const page = await records('incidents.sev12_count', await context(db(), opts), '2026-01')
    expect(page.total).toBe(3)
    expect(page.records.map((r) => [r.at, r.fields.severity, r.value])).toEqual([
      ['2026-01-14T00:00:00.000Z', 'sev2', 1],
      ['2026-01-13T00:00:00.000Z', 'sev2', 1],
      ['2026-01-12T00:00:00.000Z', 'sev1', 1],
    ])
  })

  it('incidents.sev12_count: null everywhere while no incident has been collected', async () => {
    const v = await compute('incidents.sev12_count', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', now: '2026-03-10T00:00:00Z' }))
    expect(Object.values(v).map((x) => x.value)).toEqual([null, null])
  })

  it('incidents.repeat_rate: a recurrence within 90 days is a repeat (89 days yes, 91 days no), keyed by root cause or service + normalised title', async () => {
    const search = { service: 'search', title: 'Search 502 errors on node 7f3a9b2c' }
    const [, p2, , , p5, p6, p7, p8] = await incidents(db(), [
      { root_cause_key: 'db-pool', service: 'payments-api', started_at: '2026-01-15T00:00:00Z' }, // P1 (Q1)
      { root_cause_key: 'db-pool', service: 'payments-api', started_at: '2026-04-14T00:00:00Z' }, // P2: 89 days after P1 → repeat
      { root_cause_key: 'cache', service: 'checkout', started_at: '2026-01-01T00:00:00Z' }, // P3 (Q1)
      { root_cause_key: 'cache', service: 'checkout', started_at: '2026-04-02T00:00:00Z' }, // P4: 91 days after P3 → not a repeat
      // GitHub incident issues store no key: service + normalised title (hex ids and numbers stripped)
      { ...search, started_at: '2026-05-01T00:00:00Z' }, // P5
      { service: 'search', title: 'Search 503 errors on node 0a1b2c3d4e', started_at: '2026-05-20T00:00:00Z' }, // P6: repeat of P5
      { service: 'payments-api', title: 'Search 502 errors on node 11', started_at: '2026-06-01T00:00:00Z' }, // P7: another service's key
      // a PagerDuty incident whose collector stored the same fallback key
      { service: 'search', title: 'Search is slow', root_cause_key: 'search:search errors on node', started_at: '2026-06-10T00:00:00Z' }, // P8: repeat of P6
      // two incidents starting at the same instant: neither is earlier than the other
      { root_cause_key: 'tie', service: 'checkout', started_at: '2026-06-15T00:00:00Z' },
      { root_cause_key: 'tie', service: 'checkout', started_at: '2026-06-15T00:00:00Z' },
    ])
    const now = '2026-07-10T00:00:00Z'
    // Only Q2 asked for: P1 and P3 still count as earlier incidents.
    const q2 = await compute('incidents.repeat_rate', await context(db(), { kind: 'quarter', from: '2026-04-01', to: '2026-07-01', now }))
    expect(q2['2026-Q2']).toEqual({ value: 3 / 8, sampleSize: 8, measures: { repeats: 3 } })

    const quarters = await compute('incidents.repeat_rate', await context(db(), { kind: 'quarter', from: '2026-01-01', to: '2026-10-01', now }))
    expect(quarters['2026-Q1']).toEqual({ value: 0, sampleSize: 2, measures: { repeats: 0 } })
    expect(quarters['2026-Q3']).toEqual({ value: null, sampleSize: 0, measures: { repeats: null } })

    const months = await compute('incidents.repeat_rate', await context(db(), { kind: 'month', from: '2026-04-01', to: '2026-07-01', now }))
    expect([months['2026-04']!.value, months['2026-05']!.value, months['2026-06']!.value]).toEqual([1 / 2, 1 / 2, 1 / 4])

    const service = await compute('incidents.repeat_rate', await context(db(), { kind: 'quarter', from: '2026-04-01', to: '2026-07-01', scope: 'service:search', now }))
    expect(service['2026-Q2']).toEqual({ value: 2 / 3, sampleSize: 3, measures: { repeats: 2 } })
    const team = await compute('incidents.repeat_rate', await context(db(), { kind: 'quarter', from: '2026-04-01', to: '2026-07-01', scope: 'team:payments', now }))
    expect(team['2026-Q2']).toEqual({ value: 1 / 2, sampleSize: 2, measures: { repeats: 1 } })

    const page = await records('incidents.repeat_rate', await context(db(), { kind: 'quarter', from: '2026-04-01', to: '2026-07-01', now }), '2026-Q2')
    expect(page.total).toBe(8)
    const byId = new Map(page.records.map((r) => [Number(r.id), r]))
    expect(byId.get(p8!)!.fields).toMatchObject({ repeat: true, root_cause_key: 'search:search errors on node', repeat_of: expect.stringMatching(/^INC-/) })
    expect(byId.get(p8!)!.fields.repeat_of).toBe(byId.get(p6!)!.fields.reference)
    expect(byId.get(p2!)).toMatchObject({ value: 1, fields: { repeat: true } })
    expect(byId.get(p5!)).toMatchObject({ value: 0, fields: { repeat: false, repeat_of: null } })
    // the key computed in SQL is the collectors' rootCauseKey
    expect(byId.get(p5!)!.fields.root_cause_key).toBe(rootCauseKey({ service: search.service, title: search.title }))
    expect(byId.get(p7!)!.fields.root_cause_key).toBe(rootCauseKey({ service: 'payments-api', title: 'Search 502 errors on node 11' }))
    expect(page.records[0]!.at).toBe('2026-06-15T00:00:00.000Z')
  })
})
