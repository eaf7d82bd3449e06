import { sql, type Insertable, type Kysely } from 'kysely'
import { beforeEach, expect, it } from 'vitest'
import type { AppConfig } from '../../server/config/app-config.ts'
import { Catalog } from '../../server/catalog/catalog.ts'
import type { Database, DeploymentTable, PullRequestTable, WorkflowRunTable } from '../../server/db/schema.ts'
import type { KpiDefinition } from '../../server/kpis/definition.ts'
import { parseLocalDate, periodsBetween, type PeriodKind } from '../../server/metrics/periods.ts'
import { productivityFormulas } from '../../server/metrics/productivity.metrics.ts'
import { resolveScope } from '../../server/metrics/scope.ts'
import type { MetricContext, MetricRecord, PeriodValue } from '../../server/metrics/types.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

type Db = Kysely<Database>
const HOUR = 3_600_000
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms)

/** payments owns acme/payments-api; search lists the service of acme/search (default branch master); acme/docs has no team. */
const TEAMS = [
  { id: 'payments', name: 'Payments', repos: ['acme/payments-api'], services: [] as string[] },
  { id: 'search', name: 'Search', repos: [] as string[], services: ['search'] },
]
const DEFINITION = { id: 'productivity.test', unit: 'hours', minSample: 0, overrides: {} } as unknown as KpiDefinition

async function reset(db: Db): Promise<Map<string, number>> {
  await sql`truncate deployment_change, deployment, workflow_run, pull_request, repository restart identity cascade`.execute(db)
  const ids = new Map<string, number>()
  for (const [fullName, branch] of [['acme/payments-api', 'main'], ['acme/search', 'master'], ['acme/docs', 'main']] as const) {
    const [owner, name] = fullName.split('/') as [string, string]
    const { id } = await db
      .insertInto('repository')
      .values({ source: 'github', external_id: `R_${fullName}`, owner, name, full_name: fullName, default_branch: branch, url: `https://github.com/${fullName}` })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.set(fullName, id)
  }
  return ids
}

let seq = 0

type PrInput = Partial<Insertable<PullRequestTable>> & { repo_id: number; created_at: string | Date }

/** Inserts pull requests (merged into `main` unless told otherwise); returns their ids. */
async function prs(db: Db, rows: PrInput[]): Promise<number[]> {
  const ids: number[] = []
  for (const r of rows) {
    const n = ++seq
    const merged = r.merged_at !== undefined && r.merged_at !== null
    const { id } = await db
      .insertInto('pull_request')
      .values({ source: 'github', external_id: `PR_${n}`, number: n, title: `Change ${n}`, author: 'alice', state: merged ? 'merged' : 'open', base_branch: 'main', updated_at: r.created_at, url: `https://github.com/acme/x/pull/${n}`, ...r })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.push(id)
  }
  return ids
}

/** A change of `repo` merged at `merged` that was open `hours` hours. */
const change = (repo_id: number, merged: string, hours: number, extra: Partial<PrInput> = {}): PrInput => ({ repo_id, created_at: plus(merged, -hours * HOUR), merged_at: merged, ...extra })

async function runs(db: Db, rows: (Partial<Insertable<WorkflowRunTable>> & { repo_id: number; updated_at: string })[]): Promise<void> {
  for (const r of rows) {
    const n = ++seq
    await db
      .insertInto('workflow_run')
      .values({ source: 'github', external_id: `RUN_${n}`, workflow_path: '.github/workflows/ci.yml', name: null, event: 'push', head_branch: 'main', status: 'completed', conclusion: 'success', created_at: r.updated_at, url: `https://github.com/acme/x/actions/runs/${n}`, ...r })
      .execute()
  }
}

/** A completed run finishing at `finished` that ran `hours` hours from run_started_at. */
const run = (repo_id: number, finished: string, hours: number, extra: Partial<Omit<Insertable<WorkflowRunTable>, 'updated_at'>> = {}) => ({
  repo_id,
  updated_at: finished,
  created_at: plus(finished, -hours * HOUR - 60_000),
  run_started_at: plus(finished, -hours * HOUR),
  ...extra,
})

/** A successful production deployment of `service` finishing at `finished`, shipping `prIds`. */
async function deploy(db: Db, service: string, finished: string, prIds: number[], extra: Partial<Insertable<DeploymentTable>> = {}): Promise<number> {
  const n = ++seq
  const { id } = await db
    .insertInto('deployment')
    .values({ source: 'github_deployment', external_id: `D_${n}`, service, environment: 'production', is_production: true, status: 'success', created_at: plus(finished, -HOUR), finished_at: finished, url: `https://deploy.example/${n}`, ...extra })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const pr of prIds) await db.insertInto('deployment_change').values({ pull_request_id: pr, deployment_id: id, method: 'sha' }).execute()
  return id
}

async function context(db: Db, opts: { kind: PeriodKind; from: string; to: string; timezone?: string; scope?: string; config?: AppConfig }): Promise<MetricContext> {
  const timezone = opts.timezone ?? 'UTC'
  const config = opts.config ?? testConfig({ timezone, teams: TEAMS })
  const repositories = await db.selectFrom('repository').select(['id', 'full_name', 'name', 'default_branch']).execute()
  const catalog = new Catalog({
    repositories,
    teamRepos: TEAMS.flatMap((t) => t.repos.map((pattern) => ({ team_id: t.id, pattern }))),
    teamServices: TEAMS.flatMap((t) => t.services.map((service) => ({ team_id: t.id, service }))),
    serviceMap: {},
  })
  const scope = resolveScope(opts.scope ?? 'org', catalog, new Set(TEAMS.map((t) => t.id)))
  const periods = periodsBetween(opts.kind, parseLocalDate(opts.from, timezone)!, parseLocalDate(opts.to, timezone)!, timezone)
  return { db, config, timezone, period: opts.kind, periods, scope, now: new Date('2026-06-01T00:00:00Z'), slos: [], definition: DEFINITION }
}

const formula = (id: string) => productivityFormulas.find((f) => f.id === id)!

async function compute(id: string, ctx: MetricContext): Promise<Record<string, PeriodValue>> {
  const values = await formula(id).compute(ctx)
  expect(values).toHaveLength(ctx.periods.length)
  return Object.fromEntries(ctx.periods.map((p, i) => [p.label, values[i]!]))
}

async function records(id: string, ctx: MetricContext, label: string, page: { limit?: number; offset?: number } = {}): Promise<{ total: number; records: MetricRecord[] }> {
  const p = ctx.periods.find((x) => x.label === label)!
  return formula(id).records!(ctx, { start: p.start, end: p.end, limit: page.limit ?? 50, offset: page.offset ?? 0 })
}

/** value, sampleSize, p75, p90, mean — rounded to 9 places (percentile_cont interpolates in float8). */
const stats = (v: PeriodValue | undefined) => [v?.value, v?.sampleSize, v?.p75, v?.p90, v?.mean].map((x) => (typeof x === 'number' ? Math.round(x * 1e9) / 1e9 : x))
const EMPTY = [null, 0, null, null, null]

forEachBackend('productivity KPIs', (t) => {
  const db = () => t.db.db
  let repo: Map<string, number>
  const pay = () => repo.get('acme/payments-api')!
  const search = () => repo.get('acme/search')!
  const docs = () => repo.get('acme/docs')!

  beforeEach(async () => {
    repo = await reset(db())
  })

  it('pr_cycle_time: median hours created → merged of changes merged in the month, odd and even samples, by scope', async () => {
    await prs(db(), [
      // January — payments-api [2, 26, 50] (one by a bot: bots count), search [14], docs [100]
      change(pay(), '2026-01-05T12:00:00Z', 2),
      change(pay(), '2026-01-12T12:00:00Z', 26, { author: 'dependabot[bot]', author_is_bot: true }),
      change(pay(), '2026-01-31T23:00:00Z', 50),
      change(search(), '2026-01-20T00:00:00Z', 14, { base_branch: 'master' }),
      change(docs(), '2026-01-21T00:00:00Z', 100),
      // not changes: merged into a release branch, into search's non-default `main`, closed unmerged, still open
      change(pay(), '2026-01-15T00:00:00Z', 500, { base_branch: 'release/1.x' }),
      change(search(), '2026-01-15T00:00:00Z', 600, { base_branch: 'main' }),
      { repo_id: pay(), created_at: '2026-01-03T00:00:00Z', state: 'closed', closed_at: '2026-01-04T00:00:00Z' },
      { repo_id: pay(), created_at: '2026-01-03T00:00:00Z' },
      // February — payments-api [1, 8], search [3, 10]; one opened in January counts at its merge
      change(pay(), '2026-02-01T00:00:00Z', 1),
      change(pay(), '2026-02-10T00:00:00Z', 8),
      change(search(), '2026-02-11T00:00:00Z', 3, { base_branch: 'master' }),
      change(search(), '2026-02-28T23:59:59Z', 10, { base_branch: 'master' }),
    ])
    const org = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'month', from: '2025-12-01', to: '2026-04-01' }))
    // [2, 14, 26, 50, 100]: median 26; p75 at rank 3 = 50; p90 at rank 3.6 = 50 + 0.6·50 = 80; mean 192 / 5
    expect(stats(org['2026-01'])).toEqual([26, 5, 50, 80, 38.4])
    // [1, 3, 8, 10]: median (3 + 8) / 2 = 5.5; p75 at rank 2.25 = 8.5; p90 at rank 2.7 = 9.4; mean 5.5
    expect(stats(org['2026-02'])).toEqual([5.5, 4, 8.5, 9.4, 5.5])
    expect(stats(org['2025-12'])).toEqual(EMPTY)
    expect(stats(org['2026-03'])).toEqual(EMPTY)

    // team payments = acme/payments-api: [2, 26, 50] → 26, p75 38, p90 45.2; [1, 8] → 4.5
    const team = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', scope: 'team:payments' }))
    expect(stats(team['2026-01'])).toEqual([26, 3, 38, 45.2, 26])
    expect(stats(team['2026-02'])).toEqual([4.5, 2, 6.25, 7.3, 4.5])
    const service = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', scope: 'service:search' }))
    expect(stats(service['2026-01'])).toEqual([14, 1, 14, 14, 14])
    expect(stats(service['2026-02'])).toEqual([6.5, 2, 8.25, 9.3, 6.5])
    const docsOnly = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', scope: 'repo:acme/docs' }))
    expect(stats(docsOnly['2026-01'])).toEqual([100, 1, 100, 100, 100])
    expect(stats(docsOnly['2026-02'])).toEqual(EMPTY)

    const ctx = await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01' })
    const page = await records('productivity.pr_cycle_time', ctx, '2026-01', { limit: 2 })
    expect(page.total).toBe(5)
    expect(page.records.map((r) => [r.at, r.value, r.fields.repo])).toEqual([
      ['2026-01-31T23:00:00.000Z', 50, 'acme/payments-api'],
      ['2026-01-21T00:00:00.000Z', 100, 'acme/docs'],
    ])
    expect(page.records[0]).toMatchObject({ type: 'change', title: expect.stringMatching(/^Change \d+$/), url: expect.stringMatching(/^https:\/\/github\.com\/acme\/x\/pull\/\d+$/), fields: { created_at: '2026-01-29T21:00:00.000Z', reviewed: false } })
    const rest = await records('productivity.pr_cycle_time', ctx, '2026-01', { limit: 2, offset: 2 })
    expect([rest.total, rest.records.map((r) => r.value)]).toEqual([5, [14, 26]])
    expect((await records('productivity.pr_cycle_time', ctx, '2026-01', { limit: 2, offset: 10 })).total).toBe(5)
  })

  it('pr_cycle_time: ISO weeks in Berlin split at local Monday midnight; months in New York at local midnight', async () => {
    await prs(db(), [
      // Sunday 11 January 23:59 in Berlin (22:59 UTC) → 2026-W02; Monday 12 January 00:00 in Berlin (23:00 UTC on Sunday) → 2026-W03
      change(pay(), '2026-01-11T22:59:00Z', 5),
      change(pay(), '2026-01-11T23:00:00Z', 7),
      // 31 January 22:00 in New York is 1 February 03:00 UTC: January there, February in UTC
      change(pay(), '2026-02-01T03:00:00Z', 9),
    ])
    const berlin = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'week', from: '2026-01-05', to: '2026-01-19', timezone: 'Europe/Berlin' }))
    expect(stats(berlin['2026-W02'])).toEqual([5, 1, 5, 5, 5])
    expect(stats(berlin['2026-W03'])).toEqual([7, 1, 7, 7, 7])
    const utc = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'week', from: '2026-01-05', to: '2026-01-19' }))
    expect(stats(utc['2026-W02'])).toEqual([6, 2, 6.5, 6.8, 6])
    expect(stats(utc['2026-W03'])).toEqual(EMPTY)

    const newYork = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', timezone: 'America/New_York' }))
    expect(stats(newYork['2026-01'])).toEqual([7, 3, 8, 8.6, 7])
    expect(stats(newYork['2026-02'])).toEqual(EMPTY)
    const utcMonths = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01' }))
    expect(stats(utcMonths['2026-02'])).toEqual([9, 1, 9, 9, 9])
    // the quarter holds all three
    const quarter = await compute('productivity.pr_cycle_time', await context(db(), { kind: 'quarter', from: '2026-01-01', to: '2026-04-01', timezone: 'Europe/Berlin' }))
    expect(stats(quarter['2026-Q1'])).toEqual([7, 3, 8, 8.6, 7])
  })

  it('review_pickup_time: median hours created → first review of reviewed changes; unreviewed merges counted apart', async () => {
    await prs(db(), [
      // January: reviewed after [1, 4, 10] h, one reviewed before it was opened (clamped to 0), one merged without review
      change(pay(), '2026-01-05T00:00:00Z', 20, { first_review_at: plus('2026-01-05T00:00:00Z', -19 * HOUR) }),
      change(pay(), '2026-01-06T00:00:00Z', 20, { first_review_at: plus('2026-01-06T00:00:00Z', -16 * HOUR) }),
      change(search(), '2026-01-07T00:00:00Z', 20, { base_branch: 'master', first_review_at: plus('2026-01-07T00:00:00Z', -10 * HOUR) }),
      change(pay(), '2026-01-08T00:00:00Z', 5, { first_review_at: plus('2026-01-08T00:00:00Z', -6 * HOUR) }),
      change(pay(), '2026-01-09T00:00:00Z', 3),
      // a reviewed PR merged into another branch is not a change
      change(pay(), '2026-01-10T00:00:00Z', 30, { base_branch: 'develop', first_review_at: '2026-01-09T00:00:00Z' }),
      // February: two changes, neither reviewed
      change(pay(), '2026-02-03T00:00:00Z', 3),
      change(search(), '2026-02-04T00:00:00Z', 3, { base_branch: 'master' }),
    ])
    const org = await compute('productivity.review_pickup_time', await context(db(), { kind: 'month', from: '2025-12-01', to: '2026-04-01' }))
    // [0, 1, 4, 10]: median 2.5; p75 at rank 2.25 = 4 + 0.25·6 = 5.5; p90 at rank 2.7 = 4 + 0.7·6 = 8.2; mean 15 / 4
    expect(stats(org['2026-01'])).toEqual([2.5, 4, 5.5, 8.2, 3.75])
    expect(org['2026-01']!.measures).toEqual({ unreviewed: 1 })
    expect(stats(org['2026-02'])).toEqual(EMPTY)
    expect(org['2026-02']!.measures).toEqual({ unreviewed: 2 })
    // nothing merged in March, but changes were being collected: 0; December is before the first merge: unknown
    expect(org['2026-03']!.measures).toEqual({ unreviewed: 0 })
    expect(stats(org['2025-12'])).toEqual(EMPTY)
    expect(org['2025-12']!.measures).toEqual({ unreviewed: null })

    const team = await compute('productivity.review_pickup_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', scope: 'team:payments' }))
    expect(stats(team['2026-01'])).toEqual([1, 3, 2.5, 3.4, 5 / 3].map((x) => Math.round(x * 1e9) / 1e9))
    expect([team['2026-01']!.measures, team['2026-02']!.measures]).toEqual([{ unreviewed: 1 }, { unreviewed: 1 }])

    const page = await records('productivity.review_pickup_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01' }), '2026-01')
    expect(page.total).toBe(5)
    expect(page.records.map((r) => [r.value, r.fields.reviewed])).toEqual([
      [null, false],
      [0, true],
      [10, true],
      [4, true],
      [1, true],
    ])
  })

  it('build_time: completed CI runs on the default branch, deploy workflows and other branches left out', async () => {
    const config = testConfig({ teams: TEAMS, sources: { github: { repos: ['acme/*'], deployments: { workflows: ['.github/workflows/deploy.yml', 'release_prod.yml'] } } } })
    await runs(db(), [
      // payments-api (main), January: [0.25, 0.5, 1, 2]
      run(pay(), '2026-01-10T10:30:00Z', 0.5),
      { repo_id: pay(), created_at: '2026-01-11T11:00:00Z', run_started_at: null, updated_at: '2026-01-11T12:00:00Z', conclusion: 'failure' },
      run(pay(), '2026-01-12T10:15:00Z', 0.25, { workflow_path: '.github/workflows/lint.yml' }),
      // `_` in a deploy workflow's name is no wildcard: releaseXprod.yml is CI
      run(pay(), '2026-01-13T12:00:00Z', 2, { workflow_path: '.github/workflows/releaseXprod.yml' }),
      // deploy workflows (by path and by file name), another branch, cancelled, still running, GitHub's dynamic runs
      run(pay(), '2026-01-14T12:00:00Z', 5, { workflow_path: '.github/workflows/deploy.yml' }),
      run(pay(), '2026-01-15T12:00:00Z', 6, { workflow_path: '.github/workflows/release_prod.yml' }),
      run(pay(), '2026-01-16T12:00:00Z', 3, { head_branch: 'feature/x' }),
      run(pay(), '2026-01-17T12:00:00Z', 0.1, { conclusion: 'cancelled' }),
      run(pay(), '2026-01-18T12:00:00Z', 0.2, { status: 'in_progress', conclusion: null }),
      run(pay(), '2026-01-19T12:00:00Z', 0.05, { workflow_path: 'dynamic/dependabot/dependabot-updates' }),
      // search (master): [1.5] on its default branch; its `main` is another branch
      run(search(), '2026-01-20T12:00:00Z', 1.5, { head_branch: 'master' }),
      run(search(), '2026-01-21T12:00:00Z', 9, { head_branch: 'main' }),
      // counted when it finishes: started in January, finished in February
      run(pay(), '2026-02-01T01:00:00Z', 4),
    ])
    const org = await compute('productivity.build_time', await context(db(), { kind: 'month', from: '2025-12-01', to: '2026-04-01', config }))
    // [0.25, 0.5, 1, 1.5, 2]: median 1; p75 1.5; p90 at rank 3.6 = 1.5 + 0.6·0.5 = 1.8; mean 5.25 / 5
    expect(stats(org['2026-01'])).toEqual([1, 5, 1.5, 1.8, 1.05])
    expect(stats(org['2026-02'])).toEqual([4, 1, 4, 4, 4])
    expect(stats(org['2025-12'])).toEqual(EMPTY)
    expect(stats(org['2026-03'])).toEqual(EMPTY)
    // team payments: [0.25, 0.5, 1, 2] → 0.75; p75 at rank 2.25 = 1.25; p90 at rank 2.7 = 1.7; mean 0.9375
    const team = await compute('productivity.build_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01', scope: 'team:payments', config }))
    expect(stats(team['2026-01'])).toEqual([0.75, 4, 1.25, 1.7, 0.9375])
    const service = await compute('productivity.build_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01', scope: 'service:search', config }))
    expect(stats(service['2026-01'])).toEqual([1.5, 1, 1.5, 1.5, 1.5])
    const repoScope = await compute('productivity.build_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01', scope: 'repo:acme/docs', config }))
    expect(stats(repoScope['2026-01'])).toEqual(EMPTY)

    // without a GitHub source the default deploy workflow (deploy.yml) is still not CI, release_prod.yml is
    const defaults = await compute('productivity.build_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01', scope: 'team:payments' }))
    expect(stats(defaults['2026-01'])!.slice(0, 2)).toEqual([1, 5])

    const page = await records('productivity.build_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01', config }), '2026-01', { limit: 3 })
    expect(page.total).toBe(5)
    expect(page.records.map((r) => [r.at, r.value, r.fields.repo, r.fields.workflow, r.fields.branch])).toEqual([
      ['2026-01-20T12:00:00.000Z', 1.5, 'acme/search', '.github/workflows/ci.yml', 'master'],
      ['2026-01-13T12:00:00.000Z', 2, 'acme/payments-api', '.github/workflows/releaseXprod.yml', 'main'],
      ['2026-01-12T10:15:00.000Z', 0.25, 'acme/payments-api', '.github/workflows/lint.yml', 'main'],
    ])
    expect(page.records[0]).toMatchObject({ type: 'workflow_run', title: 'ci.yml', url: expect.stringMatching(/^https:\/\/github\.com\/acme\/x\/actions\/runs\/\d+$/), fields: { conclusion: 'success' } })
  })

  it('build_time: a run finishing at 23:30 UTC on 31 January belongs to February in Berlin', async () => {
    await runs(db(), [run(pay(), '2026-01-31T23:30:00Z', 0.75), run(pay(), '2026-01-31T22:30:00Z', 0.5)])
    const berlin = await compute('productivity.build_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', timezone: 'Europe/Berlin' }))
    expect([stats(berlin['2026-01']), stats(berlin['2026-02'])]).toEqual([
      [0.5, 1, 0.5, 0.5, 0.5],
      [0.75, 1, 0.75, 0.75, 0.75],
    ])
    const utc = await compute('productivity.build_time', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01' }))
    expect([stats(utc['2026-01']), stats(utc['2026-02'])]).toEqual([[0.625, 2, 0.6875, 0.725, 0.625], EMPTY])
  })

  it('time_to_first_deploy: days from an author’s first PR to the first production deployment shipping any of theirs', async () => {
    // dave: first PR ever in docs (June 2025), shipped 9 days later; his January changes in payments-api are not a first deploy
    const [dave1, dave2] = await prs(db(), [
      { repo_id: docs(), author: 'dave', created_at: '2025-06-01T00:00:00Z', merged_at: '2025-06-02T00:00:00Z' },
      { repo_id: pay(), author: 'dave', created_at: '2026-01-02T00:00:00Z', merged_at: '2026-01-03T00:00:00Z' },
    ])
    // carol: opened 20 December 2025, shipped 19 January 12:00 → 30.5 days
    const [carol1] = await prs(db(), [{ repo_id: pay(), author: 'carol', created_at: '2025-12-20T00:00:00Z', merged_at: '2026-01-15T00:00:00Z' }])
    // alice: her first PR (5 January) ships late, on 2 February; her second (8 January) ships on 10 January → 5 days
    const [alice1, alice2] = await prs(db(), [
      { repo_id: pay(), author: 'alice', created_at: '2026-01-05T00:00:00Z', merged_at: '2026-01-25T00:00:00Z' },
      { repo_id: pay(), author: 'alice', created_at: '2026-01-08T00:00:00Z', merged_at: '2026-01-09T00:00:00Z' },
    ])
    // a bot's first PR ships too: never counted
    const [bot] = await prs(db(), [{ repo_id: pay(), author: 'renovate[bot]', author_is_bot: true, created_at: '2026-01-02T00:00:00Z', merged_at: '2026-01-03T00:00:00Z' }])
    // bob: opened in search on 20 January, merged, never shipped (waiting)
    await prs(db(), [{ repo_id: search(), author: 'bob', base_branch: 'master', created_at: '2026-01-20T00:00:00Z', merged_at: '2026-01-21T00:00:00Z' }])
    // erin: opened in search on 3 February, shipped 5 February → 2 days
    const [erin1] = await prs(db(), [{ repo_id: search(), author: 'erin', base_branch: 'master', created_at: '2026-02-03T00:00:00Z', merged_at: '2026-02-04T00:00:00Z' }])
    // frank: opened 10 February in payments-api, only on staging so far (waiting)
    const [frank1] = await prs(db(), [{ repo_id: pay(), author: 'frank', created_at: '2026-02-10T00:00:00Z', merged_at: '2026-02-11T00:00:00Z' }])

    await deploy(db(), 'docs', '2025-06-10T00:00:00Z', [dave1!])
    const d1 = await deploy(db(), 'payments-api', '2026-01-10T00:00:00Z', [alice2!, bot!, dave2!])
    await deploy(db(), 'payments-api', '2026-01-19T12:00:00Z', [carol1!])
    await deploy(db(), 'payments-api', '2026-02-02T00:00:00Z', [alice1!])
    await deploy(db(), 'search', '2026-02-05T00:00:00Z', [erin1!])
    await deploy(db(), 'payments-api', '2026-02-12T00:00:00Z', [frank1!], { environment: 'staging', is_production: false })

    const org = await compute('productivity.time_to_first_deploy', await context(db(), { kind: 'month', from: '2025-12-01', to: '2026-04-01' }))
    // January: alice 5, carol 30.5 → median 17.75; p75 5 + 0.75·25.5 = 24.125; p90 5 + 0.9·25.5 = 27.95
    expect(stats(org['2026-01'])).toEqual([17.75, 2, 24.125, 27.95, 17.75])
    expect(stats(org['2026-02'])).toEqual([2, 1, 2, 2, 2])
    expect(stats(org['2026-03'])).toEqual(EMPTY)
    expect(stats(org['2025-12'])).toEqual(EMPTY)
    // still waiting at each month's end: December carol; January bob; February and March bob and frank
    expect(['2025-12', '2026-01', '2026-02', '2026-03'].map((l) => org[l]!.measures)).toEqual([{ waiting: 1 }, { waiting: 1 }, { waiting: 2 }, { waiting: 2 }])

    // the scope is the repository of the author's first PR: dave belongs to docs, not to payments
    const team = await compute('productivity.time_to_first_deploy', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', scope: 'team:payments' }))
    expect(stats(team['2026-01'])).toEqual([17.75, 2, 24.125, 27.95, 17.75])
    expect([stats(team['2026-02']), team['2026-02']!.measures]).toEqual([EMPTY, { waiting: 1 }])
    const service = await compute('productivity.time_to_first_deploy', await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01', scope: 'service:search' }))
    expect([stats(service['2026-01']), service['2026-01']!.measures]).toEqual([EMPTY, { waiting: 1 }])
    expect([stats(service['2026-02']), service['2026-02']!.measures]).toEqual([[2, 1, 2, 2, 2], { waiting: 1 }])
    // before the first merge (2 June 2025) nothing was collected: waiting is unknown, not 0
    const docsScope = await compute('productivity.time_to_first_deploy', await context(db(), { kind: 'month', from: '2025-05-01', to: '2025-07-01', scope: 'repo:acme/docs' }))
    expect([stats(docsScope['2025-05']), docsScope['2025-05']!.measures]).toEqual([EMPTY, { waiting: null }])
    expect([stats(docsScope['2025-06']), docsScope['2025-06']!.measures]).toEqual([[9, 1, 9, 9, 9], { waiting: 0 }])

    // quarters: Q1 2026 holds alice, carol and erin → [2, 5, 30.5]
    const quarter = await compute('productivity.time_to_first_deploy', await context(db(), { kind: 'quarter', from: '2026-01-01', to: '2026-04-01' }))
    expect(stats(quarter['2026-Q1'])).toEqual([5, 3, 17.75, 25.4, 12.5])

    const ctx = await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-02-01' })
    const page = await records('productivity.time_to_first_deploy', ctx, '2026-01')
    expect(page.total).toBe(2)
    expect(page.records.map((r) => [r.id, r.at, r.value, r.fields.first_pr_at, r.fields.deployment_id])).toEqual([
      ['carol', '2026-01-19T12:00:00.000Z', 30.5, '2025-12-20T00:00:00.000Z', d1 + 1],
      ['alice', '2026-01-10T00:00:00.000Z', 5, '2026-01-05T00:00:00.000Z', d1],
    ])
    expect(page.records[1]).toMatchObject({ type: 'author', title: 'alice', url: expect.stringMatching(/^https:\/\/github\.com\/acme\/x\/pull\/\d+$/), fields: { repo: 'acme/payments-api', service: 'payments-api' } })
    const second = await records('productivity.time_to_first_deploy', ctx, '2026-01', { limit: 1, offset: 1 })
    expect([second.total, second.records.map((r) => r.id)]).toEqual([2, ['alice']])
    expect(await records('productivity.time_to_first_deploy', ctx, '2026-01', { limit: 1, offset: 5 })).toEqual({ total: 2, records: [] })
  })

  it('no data at all: every value null, counts unknown', async () => {
    const ctx = await context(db(), { kind: 'month', from: '2026-01-01', to: '2026-03-01' })
    for (const f of productivityFormulas) {
      const values = await f.compute(ctx)
      expect(values.map((v) => [v.value, v.sampleSize])).toEqual([
        [null, 0],
        [null, 0],
      ])
      for (const v of values) for (const m of Object.values(v.measures ?? {})) expect(m).toBeNull()
      expect(await f.records!(ctx, { start: ctx.periods[0]!.start, end: ctx.periods[0]!.end, limit: 10, offset: 0 })).toEqual({ total: 0, records: [] })
    }
  })
})
