import { beforeEach, expect, it } from 'vitest'
import { forEachBackend } from '../support/databases.ts'
import { compute, context, issues, milestone, observationWorld, records, repos, reset } from './metrics-h2-fixture.ts'

forEachBackend('delivery and platform KPIs', (t) => {
  const db = () => t.db.db
  let repo: Map<string, number>

  beforeEach(async () => {
    await reset(db())
    repo = await repos(db(), [{ fullName: 'acme/payments-api' }, { fullName: 'acme/search' }])
  })

  /**
   * M1 (payments-api) due 31 March as GitHub answers it (07:00 UTC): closed 20 March, closed
   * 31 March 22:30 UTC (still 31 March in UTC, 1 April in Berlin), closed 2 April, reopened.
   * M2 (search) due 15 March (00:00 UTC): closed 14 March, 16 March, 1 March. M3 due 30 April,
   * M4 due 10 February with no issues, M5 with no due date.
   */
  async function roadmapWorld() {
    const pay = repo.get('acme/payments-api')!
    const search = repo.get('acme/search')!
    const m1 = await milestone(db(), { repo_id: pay, due_on: '2026-03-31T07:00:00Z', title: 'March release' })
    const m2 = await milestone(db(), { repo_id: search, due_on: '2026-03-15T00:00:00Z' })
    const m3 = await milestone(db(), { repo_id: search, due_on: '2026-04-30T07:00:00Z' })
    await milestone(db(), { repo_id: pay, due_on: '2026-02-10T08:00:00Z' })
    const m5 = await milestone(db(), { repo_id: pay, due_on: null })
    const opened = '2026-02-01T00:00:00Z'
    await issues(db(), [
      { repo_id: pay, milestone_id: m1, labels: [], created_at: opened, closed_at: '2026-03-20T10:00:00Z' },
      { repo_id: pay, milestone_id: m1, labels: [], created_at: opened, closed_at: '2026-03-31T22:30:00Z' },
      { repo_id: pay, milestone_id: m1, labels: [], created_at: opened, closed_at: '2026-04-02T10:00:00Z' },
      { repo_id: pay, milestone_id: m1, labels: [], created_at: opened, closed_at: '2026-03-10T10:00:00Z', state: 'open' }, // reopened
      { repo_id: search, milestone_id: m2, labels: [], created_at: opened, closed_at: '2026-03-14T12:00:00Z' },
      { repo_id: search, milestone_id: m2, labels: [], created_at: opened, closed_at: '2026-03-16T12:00:00Z' },
      { repo_id: search, milestone_id: m2, labels: [], created_at: opened, closed_at: '2026-03-01T12:00:00Z' },
      { repo_id: search, milestone_id: m3, labels: [], created_at: opened },
      { repo_id: pay, milestone_id: m5, labels: [], created_at: opened, closed_at: '2026-03-01T12:00:00Z' },
    ])
  }

  it('delivery.roadmap_predictability: issues of milestones due in the period closed by the due date ÷ their issues', async () => {
    await roadmapWorld()
    const opts = { kind: 'month', from: '2026-02-01', to: '2026-05-01', now: '2026-04-10T00:00:00Z' } as const
    const v = await compute('delivery.roadmap_predictability', await context(db(), opts))
    // a milestone with no issues measures nothing
    expect(v['2026-02']).toEqual({ value: null, sampleSize: 0, measures: { milestones: 1, on_time: 0, not_yet_due: 0 } })
    // March: 7 issues; on time: 20 March, 31 March 22:30 (the due date in UTC), 14 and 1 March
    expect(v['2026-03']).toEqual({ value: 4 / 7, sampleSize: 7, measures: { milestones: 2, on_time: 4, not_yet_due: 0 } })
    // April's milestone is not due yet on 10 April
    expect(v['2026-04']).toEqual({ value: null, sampleSize: 0, measures: { milestones: 0, on_time: 0, not_yet_due: 1 } })

    // In Berlin the due dates end at local midnight: 22:30 UTC on 31 March is 1 April
    const berlin = await compute('delivery.roadmap_predictability', await context(db(), { ...opts, timezone: 'Europe/Berlin' }))
    expect(berlin['2026-03']).toMatchObject({ value: 3 / 7, sampleSize: 7 })

    const quarter = await compute('delivery.roadmap_predictability', await context(db(), { ...opts, kind: 'quarter', from: '2026-01-01', to: '2026-04-01' }))
    expect(quarter['2026-Q1']).toEqual({ value: 4 / 7, sampleSize: 7, measures: { milestones: 3, on_time: 4, not_yet_due: 0 } })

    const team = await compute('delivery.roadmap_predictability', await context(db(), { ...opts, scope: 'team:payments' }))
    expect(team['2026-03']).toMatchObject({ value: 2 / 4, sampleSize: 4 })
    const search = await compute('delivery.roadmap_predictability', await context(db(), { ...opts, scope: 'repo:acme/search' }))
    expect(search['2026-03']).toMatchObject({ value: 2 / 3, sampleSize: 3 })

    const page = await records('delivery.roadmap_predictability', await context(db(), opts), '2026-03', { limit: 4 })
    expect(page.total).toBe(7)
    expect(page.records.map((r) => [r.value, r.fields.state, r.fields.closed_at])).toEqual([
      [0, 'open', null],
      [0, 'closed', '2026-04-02T10:00:00.000Z'],
      [1, 'closed', '2026-03-31T22:30:00.000Z'],
      [1, 'closed', '2026-03-20T10:00:00.000Z'],
    ])
    expect(page.records[0]).toMatchObject({ type: 'issue', at: '2026-03-31T07:00:00.000Z', fields: { milestone: 'March release', repo: 'acme/payments-api', deadline: '2026-04-01T00:00:00.000Z' } })
    expect((await records('delivery.roadmap_predictability', await context(db(), opts), '2026-04')).total).toBe(0)
  })

  /** Tech-debt issues (T7 is a bug, T8 was closed and reopened). */
  async function techDebtWorld() {
    const pay = repo.get('acme/payments-api')!
    const search = repo.get('acme/search')!
    const td = ['tech-debt']
    await issues(db(), [
      { repo_id: search, labels: td, created_at: '2026-01-10T00:00:00Z', closed_at: '2026-02-15T00:00:00Z' }, // T1
      { repo_id: search, labels: td, created_at: '2026-01-20T00:00:00Z' }, // T2
      { repo_id: pay, labels: td, created_at: '2026-02-05T00:00:00Z', closed_at: '2026-02-20T00:00:00Z' }, // T3: opened after February began
      { repo_id: pay, labels: td, created_at: '2025-12-01T12:00:00Z', closed_at: '2026-03-10T00:00:00Z' }, // T4
      { repo_id: pay, labels: td, created_at: '2025-11-01T12:00:00Z', closed_at: '2026-01-31T23:59:00Z' }, // T5: 1 February in Berlin
      { repo_id: pay, labels: ['Tech-Debt'], created_at: '2026-01-05T00:00:00Z', closed_at: '2026-03-01T00:00:00Z' }, // T6: closed as March begins
      { repo_id: pay, labels: ['bug'], created_at: '2026-01-01T00:00:00Z' }, // T7
      { repo_id: pay, labels: td, created_at: '2025-12-15T00:00:00Z', closed_at: '2026-01-15T00:00:00Z', state: 'open' }, // T8
    ])
  }

  it('delivery.tech_debt_burndown: tech-debt issues open at the period start that closed during it ÷ those open at the start', async () => {
    await techDebtWorld()
    const opts = { kind: 'month', from: '2025-11-01', to: '2026-04-01', now: '2026-03-20T00:00:00Z' } as const
    const v = await compute('delivery.tech_debt_burndown', await context(db(), opts))
    expect(v['2025-11']).toEqual({ value: null, sampleSize: 0, measures: { open_at_start: 0, closed: 0 } })
    expect(v['2025-12']).toEqual({ value: 0, sampleSize: 1, measures: { open_at_start: 1, closed: 0 } })
    expect(v['2026-01']).toEqual({ value: 1 / 3, sampleSize: 3, measures: { open_at_start: 3, closed: 1 } })
    expect(v['2026-02']).toEqual({ value: 1 / 5, sampleSize: 5, measures: { open_at_start: 5, closed: 1 } })
    expect(v['2026-03']).toEqual({ value: 2 / 4, sampleSize: 4, measures: { open_at_start: 4, closed: 2 } })

    const berlin = await compute('delivery.tech_debt_burndown', await context(db(), { ...opts, timezone: 'Europe/Berlin' }))
    expect([berlin['2026-01']!.value, berlin['2026-02']!.value]).toEqual([0, 2 / 6])

    const quarter = await compute('delivery.tech_debt_burndown', await context(db(), { ...opts, kind: 'quarter', from: '2026-01-01', to: '2026-04-01' }))
    expect(quarter['2026-Q1']).toEqual({ value: 2 / 3, sampleSize: 3, measures: { open_at_start: 3, closed: 2 } })

    const team = await compute('delivery.tech_debt_burndown', await context(db(), { ...opts, scope: 'team:payments' }))
    expect(team['2026-02']).toMatchObject({ value: 0, sampleSize: 3 })
    const search = await compute('delivery.tech_debt_burndown', await context(db(), { ...opts, scope: 'service:search' }))
    expect(search['2026-02']).toMatchObject({ value: 1 / 2, sampleSize: 2 })

    const page = await records('delivery.tech_debt_burndown', await context(db(), opts), '2026-03')
    expect(page.total).toBe(4)
    expect(page.records.map((r) => [r.value, r.at, r.fields.repo])).toEqual([
      [1, '2026-03-10T00:00:00.000Z', 'acme/payments-api'],
      [1, '2026-03-01T00:00:00.000Z', 'acme/payments-api'],
      [0, '2026-01-20T00:00:00.000Z', 'acme/search'],
      [0, '2025-12-15T00:00:00.000Z', 'acme/payments-api'],
    ])
  })

  it('platform.adoption_rate: active repositories adopted ÷ those with adoption known, as of each period end', async () => {
    await observationWorld(db(), repo)
    const opts = { kind: 'month', from: '2025-12-01', to: '2026-04-01', now: '2026-03-20T00:00:00Z' } as const
    const v = await compute('platform.adoption_rate', await context(db(), opts))
    expect(v['2025-12']).toEqual({ value: null, sampleSize: 0, measures: { adopted: 0, known: 0, unknown: 0, unobserved: 4 } })
    expect(v['2026-01']).toEqual({ value: 1 / 2, sampleSize: 2, measures: { adopted: 1, known: 2, unknown: 1, unobserved: 1 } })
    // legacy (adopted) is archived by February
    expect(v['2026-02']).toEqual({ value: 1 / 2, sampleSize: 2, measures: { adopted: 1, known: 2, unknown: 0, unobserved: 1 } })
    expect(v['2026-03']).toEqual({ value: 2 / 3, sampleSize: 3, measures: { adopted: 2, known: 3, unknown: 0, unobserved: 1 } })

    const team = await compute('platform.adoption_rate', await context(db(), { ...opts, scope: 'team:payments' }))
    expect([team['2026-01']!.value, team['2026-02']!.value]).toEqual([0, 1])

    const quarter = await compute('platform.adoption_rate', await context(db(), { ...opts, kind: 'quarter', from: '2026-01-01', to: '2026-04-01' }))
    expect(quarter['2026-Q1']).toMatchObject({ value: 2 / 3, sampleSize: 3 })

    const page = await records('platform.adoption_rate', await context(db(), opts), '2026-03')
    expect(page.total).toBe(3)
    expect(page.records.map((r) => [r.title, r.value, r.fields.adoption])).toEqual([
      ['acme/new', 1, 'yes'],
      ['acme/search', 0, 'no'],
      ['acme/payments-api', 1, 'yes'],
    ])
    const second = await records('platform.adoption_rate', await context(db(), opts), '2026-03', { limit: 1, offset: 1 })
    expect([second.total, second.records.map((r) => r.title)]).toEqual([3, ['acme/search']])
  })
})
