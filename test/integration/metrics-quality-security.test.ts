import { beforeEach, expect, it } from 'vitest'
import { forEachBackend } from '../support/databases.ts'
import { addHours, alerts, compute, config, context, incidents, issues, observationWorld, records, repos, reset } from './metrics-h2-fixture.ts'

forEachBackend('quality and security KPIs', (t) => {
  const db = () => t.db.db
  let repo: Map<string, number>

  beforeEach(async () => {
    await reset(db())
    repo = await repos(db(), [{ fullName: 'acme/payments-api' }, { fullName: 'acme/search' }])
  })

  /** January: 6 bugs (4 escaped), one customer-reported critical bug; one bug at 23:30 UTC on 28 February. */
  async function bugWorld() {
    const pay = repo.get('acme/payments-api')!
    const search = repo.get('acme/search')!
    return issues(db(), [
      { repo_id: pay, labels: ['bug', 'production'], created_at: '2026-01-05T12:00:00Z' },
      { repo_id: pay, labels: ['Bug'], created_at: '2026-01-06T12:00:00Z' },
      { repo_id: search, labels: ['bug', 'PRODUCTION'], created_at: '2026-01-07T12:00:00Z' },
      { repo_id: search, labels: ['bug'], created_at: '2026-01-08T12:00:00Z', closed_at: '2026-01-09T12:00:00Z' },
      { repo_id: search, labels: ['production'], created_at: '2026-01-08T13:00:00Z' }, // not a bug
      { repo_id: search, labels: ['enhancement'], created_at: '2026-01-09T12:00:00Z' },
      { repo_id: pay, labels: ['bug', 'production', 'customer-reported', 'critical'], created_at: '2026-01-09T13:00:00Z' },
      { repo_id: pay, labels: ['bug', 'production', 'customer-reported'], created_at: '2026-01-10T12:00:00Z' }, // not critical
      { repo_id: search, labels: ['customer-reported', 'critical'], created_at: '2026-01-10T13:00:00Z' }, // not a bug
      { repo_id: search, labels: ['bug'], created_at: '2026-02-28T23:30:00Z' }, // 1 March in Berlin
    ])
  }

  it('quality.escaped_defect_rate: escaped bugs ÷ bugs opened per month, labels compared ignoring case', async () => {
    await bugWorld()
    const opts = { kind: 'month', from: '2025-12-01', to: '2026-04-01', now: '2026-04-10T00:00:00Z' } as const
    const v = await compute('quality.escaped_defect_rate', await context(db(), opts))
    expect(v['2025-12']).toEqual({ value: null, sampleSize: 0, measures: { escaped: 0, bugs: 0 } })
    expect(v['2026-01']).toEqual({ value: 4 / 6, sampleSize: 6, measures: { escaped: 4, bugs: 6 } })
    expect(v['2026-02']).toEqual({ value: 0, sampleSize: 1, measures: { escaped: 0, bugs: 1 } })
    expect(v['2026-03']!.value).toBeNull()

    const berlin = await compute('quality.escaped_defect_rate', await context(db(), { ...opts, timezone: 'Europe/Berlin' }))
    expect([berlin['2026-01']!.value, berlin['2026-02']!.value, berlin['2026-03']!.value]).toEqual([4 / 6, null, 0])

    const team = await compute('quality.escaped_defect_rate', await context(db(), { ...opts, scope: 'team:payments' }))
    expect(team['2026-01']).toEqual({ value: 3 / 4, sampleSize: 4, measures: { escaped: 3, bugs: 4 } })
    const search = await compute('quality.escaped_defect_rate', await context(db(), { ...opts, scope: 'repo:acme/search' }))
    expect(search['2026-01']).toEqual({ value: 1 / 2, sampleSize: 2, measures: { escaped: 1, bugs: 2 } })
    // a service scope reaches the issues of the service's repositories
    const service = await compute('quality.escaped_defect_rate', await context(db(), { ...opts, scope: 'service:search' }))
    expect(service['2026-02']!.sampleSize).toBe(1)

    const page = await records('quality.escaped_defect_rate', await context(db(), opts), '2026-01', { limit: 3 })
    expect(page.total).toBe(6)
    expect(page.records.map((r) => [r.at, r.value, r.fields.repo, r.fields.labels])).toEqual([
      ['2026-01-10T12:00:00.000Z', 1, 'acme/payments-api', 'bug, production, customer-reported'],
      ['2026-01-09T13:00:00.000Z', 1, 'acme/payments-api', 'bug, production, customer-reported, critical'],
      ['2026-01-08T12:00:00.000Z', 0, 'acme/search', 'bug'],
    ])
    expect(page.records[2]).toMatchObject({ type: 'issue', url: expect.stringContaining('/issues/'), fields: { state: 'closed', escaped: false, closed_at: '2026-01-09T12:00:00.000Z' } })
  })

  it('quality.escaped_defect_rate: reads the configured labels', async () => {
    const pay = repo.get('acme/payments-api')!
    await issues(db(), [
      { repo_id: pay, labels: ['kind/bug', 'found-in-prod'], created_at: '2026-01-05T12:00:00Z' },
      { repo_id: pay, labels: ['kind/bug'], created_at: '2026-01-06T12:00:00Z' },
      { repo_id: pay, labels: ['Kind/Bug'], created_at: '2026-01-07T12:00:00Z' },
      { repo_id: pay, labels: ['bug', 'production'], created_at: '2026-01-08T12:00:00Z' }, // default labels: not configured any more
    ])
    const cfg = config({ sources: { github: { token: 'x', repos: ['acme/*'], labels: { bug: ['kind/bug'], escaped: ['found-in-prod'] } } } })
    const v = await compute('quality.escaped_defect_rate', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01', now: '2026-02-10T00:00:00Z', config: cfg }))
    expect(v['2026-01']).toEqual({ value: 1 / 3, sampleSize: 3, measures: { escaped: 1, bugs: 3 } })
  })

  it('quality.customer_critical_bugs: bugs labelled customer-reported and critical, 0 once issues are collected and null before', async () => {
    await bugWorld()
    const opts = { kind: 'month', from: '2025-12-01', to: '2026-04-01', now: '2026-04-10T00:00:00Z' } as const
    const v = await compute('quality.customer_critical_bugs', await context(db(), opts))
    expect(v['2025-12']).toMatchObject({ value: null, sampleSize: 0 })
    expect(v['2026-01']).toEqual({ value: 1, sampleSize: 1 })
    expect([v['2026-02']!.value, v['2026-03']!.value]).toEqual([0, 0])
    const search = await compute('quality.customer_critical_bugs', await context(db(), { ...opts, scope: 'repo:acme/search' }))
    expect(search['2026-01']!.value).toBe(0)
    const page = await records('quality.customer_critical_bugs', await context(db(), opts), '2026-01')
    expect(page.total).toBe(1)
    expect(page.records[0]).toMatchObject({ type: 'issue', value: 1, at: '2026-01-09T13:00:00.000Z', fields: { repo: 'acme/payments-api' } })
  })

  it('security.incidents: security incidents started per month with the median hours to contain', async () => {
    await incidents(db(), [
      { is_security: true, severity: 'sev2', service: 'payments-api', started_at: '2026-02-03T00:00:00Z', resolved_at: addHours('2026-02-03T00:00:00Z', 4) },
      { is_security: true, severity: 'sev3', service: 'search', started_at: '2026-02-10T00:00:00Z', resolved_at: addHours('2026-02-10T00:00:00Z', 10) },
      { is_security: true, service: 'search', started_at: '2026-02-20T00:00:00Z' }, // still open
      { is_security: false, severity: 'sev1', service: 'search', started_at: '2026-02-21T00:00:00Z', resolved_at: '2026-02-21T01:00:00Z' },
      { is_security: true, service: 'payments-api', started_at: '2026-03-05T00:00:00Z', resolved_at: addHours('2026-03-05T00:00:00Z', 6) },
    ])
    const opts = { kind: 'month', from: '2026-01-01', to: '2026-05-01', now: '2026-04-20T00:00:00Z' } as const
    const v = await compute('security.incidents', await context(db(), opts))
    // January ends before the earliest collected incident: no data, not 0
    expect(v['2026-01']).toMatchObject({ value: null, sampleSize: 0, measures: { median_hours_to_contain: null, resolved: null } })
    // February: 3 started, median of [4 h, 10 h] = 7 h
    expect(v['2026-02']).toEqual({ value: 3, sampleSize: 3, measures: { median_hours_to_contain: 7, resolved: 2 } })
    expect(v['2026-03']).toEqual({ value: 1, sampleSize: 1, measures: { median_hours_to_contain: 6, resolved: 1 } })
    expect(v['2026-04']).toEqual({ value: 0, sampleSize: 0, measures: { median_hours_to_contain: null, resolved: 0 } })
    const team = await compute('security.incidents', await context(db(), { ...opts, scope: 'team:search' }))
    expect(team['2026-02']).toEqual({ value: 2, sampleSize: 2, measures: { median_hours_to_contain: 10, resolved: 1 } })
    const page = await records('security.incidents', await context(db(), opts), '2026-02')
    expect(page.total).toBe(3)
    expect(page.records.map((r) => [r.at, r.value])).toEqual([
      ['2026-02-20T00:00:00.000Z', null],
      ['2026-02-10T00:00:00.000Z', 10],
      ['2026-02-03T00:00:00.000Z', 4],
    ])
  })

  /** Critical alerts are due 15 days after creation, high ones 30 days. */
  async function alertWorld() {
    const pay = repo.get('acme/payments-api')!
    const search = repo.get('acme/search')!
    return alerts(db(), [
      { repo_id: pay, severity: 'high', created_at: '2026-01-01T00:00:00Z', fixed_at: '2026-01-20T00:00:00Z' }, // due 31 Jan: met
      { repo_id: pay, severity: 'critical', created_at: '2026-02-10T00:00:00Z' }, // due 25 Feb, open: breach in February
      { repo_id: pay, severity: 'critical', created_at: '2026-02-20T00:00:00Z', fixed_at: '2026-03-05T00:00:00Z' }, // due 7 Mar: met
      { repo_id: pay, severity: 'high', created_at: '2026-02-05T00:00:00Z', fixed_at: '2026-03-10T00:00:00Z' }, // due 7 Mar, fixed late: breach
      { repo_id: pay, severity: 'high', created_at: '2026-02-10T00:00:00Z', dismissed_at: '2026-02-15T00:00:00Z' }, // due 12 Mar: met (dismissed)
      { repo_id: pay, severity: 'critical', created_at: '2026-02-25T00:00:00Z' }, // due 12 Mar, still open: breach
      { repo_id: pay, severity: 'critical', created_at: '2026-03-01T00:00:00Z', fixed_at: '2026-03-16T00:00:00Z' }, // due 16 Mar, fixed at the deadline: met
      { repo_id: pay, severity: 'high', created_at: '2026-02-25T00:00:00Z' }, // due 27 Mar: not yet due on 20 March
      { repo_id: pay, severity: 'critical', created_at: '2026-03-10T00:00:00Z', fixed_at: '2026-03-12T00:00:00Z' }, // due 25 Mar: not yet due on 20 March
      { repo_id: pay, severity: 'medium', created_at: '2026-02-20T00:00:00Z' }, // medium: never counted
      { repo_id: search, severity: 'critical', created_at: '2026-02-20T00:00:00Z', state: 'auto_dismissed', dismissed_at: '2026-03-08T00:00:00Z' }, // due 7 Mar, dismissed late: breach
    ])
  }

  it('security.vuln_sla_compliance: critical (15 d) and high (30 d) alerts due in the period, met when fixed or dismissed by the deadline', async () => {
    await alertWorld()
    const opts = { kind: 'month', from: '2025-12-01', to: '2026-04-01', now: '2026-03-20T00:00:00Z' } as const
    const v = await compute('security.vuln_sla_compliance', await context(db(), opts))
    expect(v['2025-12']).toEqual({ value: null, sampleSize: 0, measures: { due: 0, met: 0, breached: 0, not_yet_due: 0 } })
    expect(v['2026-01']).toEqual({ value: 1, sampleSize: 1, measures: { due: 1, met: 1, breached: 0, not_yet_due: 0 } })
    expect(v['2026-02']).toEqual({ value: 0, sampleSize: 1, measures: { due: 1, met: 0, breached: 1, not_yet_due: 0 } })
    expect(v['2026-03']).toEqual({ value: 3 / 6, sampleSize: 6, measures: { due: 6, met: 3, breached: 3, not_yet_due: 2 } })

    // later, the two deadlines have passed: the open one is a breach, the early fix met
    const later = await compute('security.vuln_sla_compliance', await context(db(), { ...opts, now: '2026-04-15T00:00:00Z' }))
    expect(later['2026-03']).toEqual({ value: 4 / 8, sampleSize: 8, measures: { due: 8, met: 4, breached: 4, not_yet_due: 0 } })

    const team = await compute('security.vuln_sla_compliance', await context(db(), { ...opts, scope: 'team:payments' }))
    expect(team['2026-03']).toMatchObject({ value: 3 / 5, sampleSize: 5 })
    const search = await compute('security.vuln_sla_compliance', await context(db(), { ...opts, scope: 'repo:acme/search' }))
    expect(search['2026-03']).toMatchObject({ value: 0, sampleSize: 1 })

    const page = await records('security.vuln_sla_compliance', await context(db(), opts), '2026-03', { limit: 3 })
    expect(page.total).toBe(6)
    expect(page.records.map((r) => [r.at, r.value, r.fields.severity, r.fields.met])).toEqual([
      ['2026-03-16T00:00:00.000Z', 1, 'critical', true],
      ['2026-03-12T00:00:00.000Z', 0, 'critical', false],
      ['2026-03-12T00:00:00.000Z', 1, 'high', true],
    ])
    expect(page.records[0]).toMatchObject({ type: 'alert', url: expect.stringContaining('dependabot'), fields: { repo: 'acme/payments-api', package: expect.stringMatching(/^pkg-/), created_at: '2026-03-01T00:00:00.000Z', due_at: '2026-03-16T00:00:00.000Z' } })
  })

  it('security.scanning_coverage: active repositories with Dependabot alerts or code scanning on, as of each period end', async () => {
    await observationWorld(db(), repo)
    const opts = { kind: 'month', from: '2025-12-01', to: '2026-04-01', now: '2026-03-20T00:00:00Z' } as const
    const v = await compute('security.scanning_coverage', await context(db(), opts))
    expect(v['2025-12']).toEqual({ value: null, sampleSize: 0, measures: { scanned: 0, active: 0, archived: 0, unobserved: 4 } })
    expect(v['2026-01']).toEqual({ value: 2 / 3, sampleSize: 3, measures: { scanned: 2, active: 3, archived: 0, unobserved: 1 } })
    // the observation of 28 February counts for February; legacy is archived by then
    expect(v['2026-02']).toEqual({ value: 1, sampleSize: 2, measures: { scanned: 2, active: 2, archived: 1, unobserved: 1 } })
    expect(v['2026-03']).toEqual({ value: 1, sampleSize: 3, measures: { scanned: 3, active: 3, archived: 1, unobserved: 1 } })

    const search = await compute('security.scanning_coverage', await context(db(), { ...opts, scope: 'service:search' }))
    expect([search['2026-01']!.value, search['2026-02']!.value]).toEqual([0, 1])

    const week = await compute('security.scanning_coverage', await context(db(), { kind: 'week', from: '2026-02-23', to: '2026-03-02', now: '2026-03-20T00:00:00Z' }))
    expect(week['2026-W09']).toMatchObject({ value: 1, sampleSize: 2 })

    const page = await records('security.scanning_coverage', await context(db(), opts), '2026-02')
    expect(page.total).toBe(2)
    expect(page.records.map((r) => [r.title, r.at, r.value, r.fields.code_scanning])).toEqual([
      ['acme/search', '2026-02-28', 1, 'enabled'],
      ['acme/payments-api', '2026-02-01', 1, 'disabled'],
    ])
    expect(page.records[0]).toMatchObject({ type: 'repository', url: 'https://github.com/acme/search' })
  })
})
