import { createHash } from 'node:crypto'
import type { Insertable, Kysely } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { attributeIncidents, recomputeAttribution } from '../../collectors/attribution/index.ts'
import { insertCommits } from '../../collectors/shared/store/commits.ts'
import { upsertDeployments } from '../../collectors/shared/store/deployments.ts'
import { upsertIncidents } from '../../collectors/shared/store/incidents.ts'
import { upsertPullRequests } from '../../collectors/shared/store/pull-requests.ts'
import { loadCatalog } from '../../server/catalog/load-catalog.ts'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Database, DeploymentTable, IncidentTable, PullRequestTable } from '../../server/db/schema.ts'
import type { KpiDefinition } from '../../server/kpis/definition.ts'
import { doraFormulas } from '../../server/metrics/dora.metrics.ts'
import { parsePeriodLabel, shiftPeriod, type Period } from '../../server/metrics/periods.ts'
import { resolveScope } from '../../server/metrics/scope.ts'
import type { Formula, MetricContext, PeriodValue } from '../../server/metrics/types.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const sha = (name: string) => createHash('sha1').update(name).digest('hex')
/** `2026-MM-DD HH:MM` in UTC. */
const utc = (text: string) => new Date(`${text.replace(' ', 'T')}:00Z`)
const NOW = utc('2026-06-15 12:00')

const formula = (id: string): Formula => doraFormulas.find((f) => f.id === id)!

function teamConfig(timezone = 'UTC'): AppConfig {
  return testConfig({
    timezone,
    teams: [{ id: 'payments', name: 'Payments', repos: ['acme/api'] }],
    sources: { github: { token: 'x', repos: ['acme/*'] } },
  })
}

/** The definition a formula is computed for: formulas never read its targets, levels or text. */
function definition(id: string): KpiDefinition {
  const fields: Partial<KpiDefinition> = { id, name: id, formula: id, source: 'computed', minSample: 1, overrides: {}, levels: null, file: `${id}.yaml` }
  return fields as KpiDefinition
}

/** Consecutive periods from the one labelled `first`, `count` of them, in the zone. */
function periods(first: string, count: number, timezone = 'UTC'): Period[] {
  const start = parsePeriodLabel(first, timezone)!
  return Array.from({ length: count }, (_, i) => shiftPeriod(start, i, timezone))
}

async function context(db: Kysely<Database>, id: string, ps: Period[], scope = 'org', timezone = 'UTC'): Promise<MetricContext> {
  const config = teamConfig(timezone)
  const catalog = await loadCatalog(db, config)
  return {
    db,
    config,
    timezone,
    period: ps[0]!.kind,
    periods: ps,
    scope: resolveScope(scope, catalog, new Set(['payments'])),
    now: NOW,
    slos: [],
    definition: definition(id),
  }
}

async function compute(db: Kysely<Database>, id: string, first: string, count: number, options: { scope?: string; timezone?: string } = {}): Promise<PeriodValue[]> {
  const tz = options.timezone ?? 'UTC'
  return formula(id).compute(await context(db, id, periods(first, count, tz), options.scope, tz))
}

// ---- factories -------------------------------------------------------------------------------

async function repository(db: Kysely<Database>, fullName: string): Promise<number> {
  const [owner, name] = fullName.split('/')
  const row = await db
    .insertInto('repository')
    .values({ source: 'github', external_id: `R_${fullName}`, owner: owner!, name: name!, full_name: fullName, default_branch: 'main', url: `https://github.com/${fullName}` })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

async function team(db: Kysely<Database>): Promise<void> {
  await db.insertInto('team').values({ id: 'payments', name: 'Payments', source: 'config' }).execute()
  await db.insertInto('team_repo').values({ team_id: 'payments', pattern: 'acme/api' }).execute()
}

async function deployment(db: Kysely<Database>, externalId: string, fields: Partial<Insertable<DeploymentTable>> & { service: string }): Promise<number> {
  const ids = await upsertDeployments(db, [
    {
      source: 'github_deployment',
      external_id: externalId,
      repo_id: null,
      environment: 'production',
      is_production: true,
      status: 'success',
      created_at: utc('2026-01-01 00:00'),
      ...fields,
    },
  ])
  return ids.get(externalId)!
}

async function pr(db: Kysely<Database>, repoId: number, number: number, fields: Partial<Insertable<PullRequestTable>> & { created_at: Date | string }): Promise<number> {
  const ids = await upsertPullRequests(db, [
    {
      source: 'github',
      external_id: `PR_${repoId}_${number}`,
      repo_id: repoId,
      number,
      title: `Change ${number}`,
      body: null,
      state: fields.merged_at ? 'merged' : 'open',
      base_branch: 'main',
      labels: [],
      updated_at: fields.created_at,
      merge_commit_sha: null,
      url: `https://github.com/acme/x/pull/${number}`,
      ...fields,
    },
  ])
  return ids.get(`PR_${repoId}_${number}`)!
}

async function incident(db: Kysely<Database>, externalId: string, fields: Partial<Insertable<IncidentTable>> & { started_at: Date }): Promise<number> {
  const ids = await upsertIncidents(db, [{ source: 'pagerduty', external_id: externalId, title: externalId, ...fields }])
  return ids.get(externalId)!
}

const pick = (v: PeriodValue, keys: (keyof PeriodValue)[]) => Object.fromEntries(keys.map((k) => [k, v[k]]))

// ---- deployment frequency ------------------------------------------------------------------------

forEachBackend('dora.deployment_frequency', (ctx) => {
  const F = 'dora.deployment_frequency'
  beforeAll(async () => {
    const db = ctx.db.db
    await team(db)
    const api = await repository(db, 'acme/api')
    const web = await repository(db, 'acme/web')
    const deploy = (n: number, service: 'api' | 'web', at: string, extra: Partial<Insertable<DeploymentTable>> = {}) =>
      deployment(db, `d${n}`, { service, repo_id: service === 'api' ? api : web, finished_at: utc(at), sha: sha(`c${n}`), ...extra })
    await deploy(1, 'api', '2026-02-28 10:00')
    await deploy(2, 'api', '2026-03-02 09:00')
    await deploy(3, 'api', '2026-03-02 15:00')
    await deploy(4, 'api', '2026-03-03 09:00')
    await deploy(5, 'api', '2026-03-04 09:00')
    await deploy(6, 'api', '2026-03-05 09:00')
    await deploy(7, 'api', '2026-03-06 09:00')
    await deploy(8, 'web', '2026-03-08 23:30') // Sunday in UTC, Monday 00:30 in Berlin
    await deploy(9, 'api', '2026-03-10 09:00')
    await deploy(10, 'web', '2026-03-11 12:00')
    await deploy(11, 'api', '2026-03-12 09:00')
    await deploy(12, 'api', '2026-03-25 09:00', { repo_id: null, source: 'api' }) // ingested: no repository, service api
    await deploy(13, 'api', '2026-03-30 09:00')
    await deploy(14, 'web', '2026-03-31 23:30') // March in UTC, 1 April 01:30 in Berlin
    await deploy(15, 'api', '2026-04-01 00:00')
    await deploy(16, 'api', '2026-04-03 09:00')
    await deploy(17, 'web', '2026-04-07 09:00')
    await deploy(18, 'api', '2026-04-20 09:00')
    await deploy(19, 'api', '2026-04-21 09:00')
    await deploy(20, 'api', '2026-04-28 09:00')
    await deploy(21, 'api', '2026-05-01 09:00')
    // Not counted: a failed deployment, a staging one, one still running.
    await deploy(90, 'api', '2026-03-17 09:00', { status: 'failure' })
    await deploy(91, 'api', '2026-03-18 09:00', { environment: 'staging', is_production: false })
    await deploy(92, 'api', '2026-03-19 09:00', { status: null, finished_at: null })
  })

  it('counts per month with per-day, deployment days and the weekly/monthly deploy-day medians (UTC)', async () => {
    const [jan, feb, mar, apr, may, jun] = await compute(ctx.db.db, F, '2026-01', 6)
    // Nothing collected before 28 February: January is no-data, not 0.
    expect(jan).toMatchObject({ value: null, sampleSize: 0, measures: { per_day: null, deployment_days: null, weekly_deploy_days_median: null, monthly_deploy_days_median: null } })
    // February: weeks starting in it [0, 0, 0, 1] → 0.
    expect(feb).toEqual({ value: 1, sampleSize: 1, measures: { per_day: 1 / 28, deployment_days: 1, weekly_deploy_days_median: 0, monthly_deploy_days_median: 1 } })
    // March: d2–d14 = 13 on 12 days; weeks W10 6, W11 3, W12 0, W13 1, W14 4 (30, 31 Mar, 1, 3 Apr) → median 3.
    expect(mar).toEqual({ value: 13, sampleSize: 13, measures: { per_day: 13 / 31, deployment_days: 12, weekly_deploy_days_median: 3, monthly_deploy_days_median: 12 } })
    // April: d15–d20 = 6 on 6 days; weeks W15 1, W16 0, W17 2, W18 2 (28 Apr, 1 May) → median 1.5.
    expect(apr).toEqual({ value: 6, sampleSize: 6, measures: { per_day: 0.2, deployment_days: 6, weekly_deploy_days_median: 1.5, monthly_deploy_days_median: 6 } })
    expect(may).toMatchObject({ value: 1, measures: { deployment_days: 1 } })
    // June: collected, nothing deployed → 0, not null.
    expect(jun).toEqual({ value: 0, sampleSize: 0, measures: { per_day: 0, deployment_days: 0, weekly_deploy_days_median: 0, monthly_deploy_days_median: 0 } })
  })

  it('cuts ISO weeks on Monday and quarters on the first of the month', async () => {
    const [w10, w11, w12] = await compute(ctx.db.db, F, '2026-W10', 3)
    expect(w10).toEqual({ value: 7, sampleSize: 7, measures: { per_day: 1, deployment_days: 6, weekly_deploy_days_median: 6, monthly_deploy_days_median: 6 } })
    expect(w11).toMatchObject({ value: 3, measures: { deployment_days: 3 } })
    expect(w12).toEqual({ value: 0, sampleSize: 0, measures: { per_day: 0, deployment_days: 0, weekly_deploy_days_median: 0, monthly_deploy_days_median: 0 } })
    const [q1, q2] = await compute(ctx.db.db, F, '2026-Q1', 2)
    // 13 weeks start in Q1: 8 empty, then 1, 1, 3, 4, 6 → 0; months [0, 1, 12] → 1.
    expect(q1).toEqual({ value: 14, sampleSize: 14, measures: { per_day: 14 / 90, deployment_days: 13, weekly_deploy_days_median: 0, monthly_deploy_days_median: 1 } })
    expect(q2).toMatchObject({ value: 7, measures: { deployment_days: 7, monthly_deploy_days_median: 1 } })
  })

  it('cuts days, weeks, months and quarters in the configured time zone (Europe/Berlin)', async () => {
    const tz = { timezone: 'Europe/Berlin' }
    const [mar, apr] = await compute(ctx.db.db, F, '2026-03', 2, tz)
    // d14 (31 Mar 23:30 UTC) is 1 April in Berlin; d8 (Sun 8 Mar 23:30 UTC) is Monday 9 March.
    // March: 12 deployments on 11 days; weeks W10 5, W11 4 (9–12), W12 0, W13 1, W14 3 (30 Mar, 1, 3 Apr) → 3.
    expect(mar).toEqual({ value: 12, sampleSize: 12, measures: { per_day: 12 / 31, deployment_days: 11, weekly_deploy_days_median: 3, monthly_deploy_days_median: 11 } })
    // April: 7 deployments, d14 and d15 on the same day → 6 days.
    expect(apr).toEqual({ value: 7, sampleSize: 7, measures: { per_day: 7 / 30, deployment_days: 6, weekly_deploy_days_median: 1.5, monthly_deploy_days_median: 6 } })
    const [w10, w11] = await compute(ctx.db.db, F, '2026-W10', 2, tz)
    expect(w10).toMatchObject({ value: 6, measures: { deployment_days: 5 } })
    expect(w11).toMatchObject({ value: 4, measures: { deployment_days: 4 } })
    const [q1] = await compute(ctx.db.db, F, '2026-Q1', 1, tz)
    expect(q1).toMatchObject({ value: 13 })
  })

  it('filters by team, service and repository', async () => {
    // payments owns acme/api → service api, which includes the ingested d12 without a repository.
    const [team] = await compute(ctx.db.db, F, '2026-03', 1, { scope: 'team:payments' })
    // api in March: 10 deployments on 9 days; weeks [5, 2, 0, 1, 3] → 2.
    expect(team).toEqual({ value: 10, sampleSize: 10, measures: { per_day: 10 / 31, deployment_days: 9, weekly_deploy_days_median: 2, monthly_deploy_days_median: 9 } })
    expect((await compute(ctx.db.db, F, '2026-03', 1, { scope: 'repo:acme/api' }))[0]).toMatchObject({ value: 10 })
    expect((await compute(ctx.db.db, F, '2026-03', 1, { scope: 'service:web' }))[0]).toMatchObject({ value: 3, measures: { deployment_days: 3 } })
    expect((await compute(ctx.db.db, F, '2026-03', 1, { scope: 'repo:acme/web' }))[0]).toMatchObject({ value: 3 })
    expect((await compute(ctx.db.db, F, '2026-03', 1, { scope: 'service:nothing' }))[0]).toMatchObject({ value: 0, sampleSize: 0 })
  })

  it('lists the deployments behind a value, newest first, paginated', async () => {
    const c = await context(ctx.db.db, F, periods('2026-03', 1), 'service:web')
    const page = await formula(F).records!(c, { start: c.periods[0]!.start, end: c.periods[0]!.end, limit: 2, offset: 0 })
    expect(page.total).toBe(3)
    expect(page.records.map((r) => r.title)).toEqual([`web → production @ ${sha('c14').slice(0, 7)}`, `web → production @ ${sha('c10').slice(0, 7)}`])
    expect(page.records[0]).toMatchObject({
      type: 'deployment',
      at: '2026-03-31T23:30:00.000Z',
      url: `https://github.com/acme/web/commit/${sha('c14')}`,
      value: 1,
      fields: { service: 'web', environment: 'production', repo: 'acme/web', sha: sha('c14').slice(0, 7), status: 'success', failed: false, rework_reasons: null },
    })
    const next = await formula(F).records!(c, { start: c.periods[0]!.start, end: c.periods[0]!.end, limit: 2, offset: 2 })
    expect(next.records.map((r) => r.at)).toEqual(['2026-03-08T23:30:00.000Z'])
  })
})

// ---- lead time ---------------------------------------------------------------------------------

forEachBackend('dora.lead_time', (ctx) => {
  const F = 'dora.lead_time'
  beforeAll(async () => {
    const db = ctx.db.db
    await team(db)
    const api = await repository(db, 'acme/api')
    const web = await repository(db, 'acme/web')
    // No SHAs anywhere: changes ship by time (the first deployment finishing at or after the merge).
    await deployment(db, 'D1', { service: 'api', repo_id: api, finished_at: utc('2026-04-10 12:00') })
    await deployment(db, 'D2', { service: 'api', repo_id: api, finished_at: utc('2026-04-20 12:00') })
    await deployment(db, 'D3', { service: 'api', repo_id: api, finished_at: utc('2026-05-04 12:00') })
    await deployment(db, 'W1', { service: 'web', repo_id: web, finished_at: utc('2026-04-15 12:00') })
    // A0 is merged 40 days before api's first deployment: beyond maxLookbackDays (14), never shipped.
    await pr(db, api, 100, { first_commit_at: utc('2026-02-27 12:00'), created_at: utc('2026-02-28 12:00'), merged_at: utc('2026-03-01 12:00') })
    // lead 50 h = coding 2 + pickup 2 + review 22 + deploy 24
    await pr(db, api, 1, { first_commit_at: utc('2026-04-08 10:00'), created_at: utc('2026-04-08 12:00'), first_review_at: utc('2026-04-08 14:00'), merged_at: utc('2026-04-09 12:00') })
    // no first commit (lead from creation: 26 h), no review (left out of pickup and review)
    await pr(db, api, 2, { created_at: utc('2026-04-09 10:00'), merged_at: utc('2026-04-10 10:00') })
    // lead 2 h = 1 + 0.5 + 0.25 + 0.25
    await pr(db, api, 3, { first_commit_at: utc('2026-04-10 10:00'), created_at: utc('2026-04-10 11:00'), first_review_at: utc('2026-04-10 11:30'), merged_at: utc('2026-04-10 11:45') })
    // → D2: lead 192 h = 24 + 24 + 24 + 120
    await pr(db, api, 4, { first_commit_at: utc('2026-04-12 12:00'), created_at: utc('2026-04-13 12:00'), first_review_at: utc('2026-04-14 12:00'), merged_at: utc('2026-04-15 12:00') })
    // → D3 in May: lead 220 h = 1 + 1 + 2 + 216
    await pr(db, api, 5, { first_commit_at: utc('2026-04-25 08:00'), created_at: utc('2026-04-25 09:00'), first_review_at: utc('2026-04-25 10:00'), merged_at: utc('2026-04-25 12:00') })
    // → D3: reviewed before it was opened (pickup clamped to 0): lead 170 h = 2 + 0 + 25 + 144
    await pr(db, api, 6, { first_commit_at: utc('2026-04-27 10:00'), created_at: utc('2026-04-27 12:00'), first_review_at: utc('2026-04-27 11:00'), merged_at: utc('2026-04-28 12:00') })
    // merged after the last deployment: not shipped yet
    await pr(db, api, 7, { created_at: utc('2026-05-05 08:00'), merged_at: utc('2026-05-05 10:00') })
    // merged into another branch: not a change
    await pr(db, api, 8, { created_at: utc('2026-04-16 08:00'), merged_at: utc('2026-04-16 10:00'), base_branch: 'release' })
    // web → W1: lead 24 h = 0 + 1 + 5 + 18
    await pr(db, web, 1, { first_commit_at: utc('2026-04-14 12:00'), created_at: utc('2026-04-14 12:00'), first_review_at: utc('2026-04-14 13:00'), merged_at: utc('2026-04-14 18:00') })
    // web, merged after web's only deployment
    await pr(db, web, 2, { created_at: utc('2026-04-20 08:00'), merged_at: utc('2026-04-20 10:00') })
    await recomputeAttribution(db, teamConfig(), { now: NOW })
  })

  it('leaves changes merged long before a service’s first deployment unshipped', async () => {
    const shipped = await ctx.db.db
      .selectFrom('deployment_change as dc')
      .innerJoin('pull_request as p', 'p.id', 'dc.pull_request_id')
      .innerJoin('deployment as d', 'd.id', 'dc.deployment_id')
      .select(['p.number', 'p.repo_id', 'd.external_id'])
      .orderBy('d.external_id')
      .orderBy('p.number')
      .execute()
    expect(shipped.map((s) => `${s.external_id}:#${s.number}`)).toEqual(['D1:#1', 'D1:#2', 'D1:#3', 'D2:#4', 'D3:#5', 'D3:#6', 'W1:#1'])
  })

  it('takes the median, p75, p90, mean and the parts’ medians per shipping month', async () => {
    const [mar, apr, may, jun] = await compute(ctx.db.db, F, '2026-03', 4)
    // March: nothing shipped (A0 stayed unshipped, so it cannot inflate April either); 0 of 1 merged change shipped.
    expect(mar).toEqual({ value: null, sampleSize: 0, coverage: 0, p75: null, p90: null, mean: null, breakdown: { coding: null, pickup: null, review: null, deploy: null } })
    // April: [2, 24, 26, 50, 192] → 26; p75 50; p90 50 + 0.6 × 142 = 135.2; mean 294 / 5.
    // coding [0, 0, 1, 2, 24] → 1; pickup [0.5, 1, 2, 24] → 1.5; review [0.25, 5, 22, 24] → 13.5;
    // deploy [0.25, 2, 18, 24, 120] → 18. Coverage: 7 of the 8 changes merged in April shipped.
    expect(apr!.value).toBe(26)
    expect(apr!.sampleSize).toBe(5)
    expect(apr!.coverage).toBe(7 / 8)
    expect(apr!.p75).toBe(50)
    expect(apr!.p90).toBeCloseTo(135.2, 9)
    expect(apr!.mean).toBeCloseTo(58.8, 9)
    expect(apr!.breakdown).toEqual({ coding: 1, pickup: 1.5, review: 13.5, deploy: 18 })
    // May: [170, 220] → 195; p75 207.5; p90 215; the only change merged in May is not shipped yet.
    expect(pick(may!, ['value', 'sampleSize', 'coverage', 'p75', 'p90', 'mean'])).toEqual({ value: 195, sampleSize: 2, coverage: 0, p75: 207.5, p90: 215, mean: 195 })
    expect(may!.breakdown).toEqual({ coding: 1.5, pickup: 0.5, review: 13.5, deploy: 180 })
    expect(jun).toMatchObject({ value: null, sampleSize: 0, coverage: null })
  })

  it('groups by ISO week and quarter', async () => {
    const [w15] = await compute(ctx.db.db, F, '2026-W15', 1)
    // D1 (Friday 10 April): [2, 26, 50] → 26.
    expect(pick(w15!, ['value', 'sampleSize', 'mean'])).toEqual({ value: 26, sampleSize: 3, mean: 26 })
    const [q2] = await compute(ctx.db.db, F, '2026-Q2', 1)
    // [2, 24, 26, 50, 170, 192, 220] → 50.
    expect(q2).toMatchObject({ value: 50, sampleSize: 7 })
  })

  it('filters by the shipping deployment’s scope', async () => {
    const [team] = await compute(ctx.db.db, F, '2026-04', 1, { scope: 'team:payments' })
    // api: [2, 26, 50, 192] → 38; all six api changes merged in April shipped.
    expect(pick(team!, ['value', 'sampleSize', 'coverage'])).toEqual({ value: 38, sampleSize: 4, coverage: 1 })
    const [web] = await compute(ctx.db.db, F, '2026-04', 1, { scope: 'repo:acme/web' })
    expect(pick(web!, ['value', 'sampleSize', 'coverage'])).toEqual({ value: 24, sampleSize: 1, coverage: 0.5 })
    expect((await compute(ctx.db.db, F, '2026-04', 1, { scope: 'service:web' }))[0]).toMatchObject({ value: 24 })
  })

  it('lists the shipped changes with their lead time and parts', async () => {
    const c = await context(ctx.db.db, F, periods('2026-04', 1))
    const page = await formula(F).records!(c, { start: c.periods[0]!.start, end: c.periods[0]!.end, limit: 10, offset: 0 })
    expect(page.total).toBe(5)
    expect(page.records.map((r) => `${r.fields.repo}#${r.fields.number} ${r.value}`)).toEqual(['acme/api#4 192', 'acme/web#1 24', 'acme/api#3 2', 'acme/api#2 26', 'acme/api#1 50'])
    expect(page.records[0]).toMatchObject({
      type: 'change',
      title: 'Change 4',
      at: '2026-04-20T12:00:00.000Z',
      url: 'https://github.com/acme/x/pull/4',
      fields: { coding_hours: 24, pickup_hours: 24, review_hours: 24, deploy_hours: 120, method: 'time', service: 'api' },
    })
    expect(page.records[3]!.fields).toMatchObject({ coding_hours: 0, pickup_hours: null, review_hours: null, deploy_hours: 2 })
  })
})

// ---- change failure rate, recovery time, rework rate ---------------------------------------------

forEachBackend('dora failures, recovery and rework', (ctx) => {
  const ids = new Map<string, number>()
  /** The test's name of a deployment (`d…`) or incident (`I…`) id. */
  const name = (id: number, kind: 'd' | 'I' = 'd') => [...ids].find(([k, v]) => k.startsWith(kind) && v === id)?.[0]
  beforeAll(async () => {
    const db = ctx.db.db
    await team(db)
    const api = await repository(db, 'acme/api')
    await repository(db, 'acme/web')
    await insertCommits(
      db,
      Array.from({ length: 9 }, (_, i) => ({ repo_id: api, sha: sha(`c${i + 1}`), parents: i === 0 ? [] : [sha(`c${i}`)] })),
    )
    const deploy = async (n: string, commit: string, at: string) => ids.set(n, await deployment(db, n, { service: 'api', repo_id: api, sha: sha(commit), finished_at: utc(at) }))
    await deploy('d1', 'c1', '2026-03-02 10:00')
    await deploy('d2', 'c2', '2026-03-03 10:00')
    await deploy('d3', 'c3', '2026-03-04 10:00')
    await deploy('d4', 'c2', '2026-03-04 12:00') // rollback to c2: fails d3
    await deploy('d5', 'c4', '2026-03-05 10:00')
    await deploy('d6', 'c5', '2026-03-06 10:00') // ships the revert of #4: fails d5
    await deploy('d7', 'c7', '2026-03-10 10:00')
    await deploy('d8', 'c8', '2026-03-12 10:00') // ships the hotfix for incident #50
    await deploy('d9', 'c9', '2026-04-02 10:00')
    const merged = (n: number, at: string, fields: Partial<Insertable<PullRequestTable>> = {}) =>
      pr(db, api, n, { created_at: utc(at), merged_at: utc(at), merge_commit_sha: sha(`c${n}`), title: `Change ${n}`, ...fields })
    await merged(1, '2026-03-02 09:00')
    await merged(2, '2026-03-03 09:00')
    await merged(3, '2026-03-04 09:00')
    await merged(4, '2026-03-05 09:00', { title: 'Four' })
    await merged(5, '2026-03-06 09:00', { title: 'Revert "Four"', body: 'Reverts acme/api#4' })
    await merged(6, '2026-03-09 09:00', { body: 'Follow-up to incident #50.' })
    await merged(7, '2026-03-10 09:00')
    await merged(8, '2026-03-12 09:00', { labels: ['hotfix'], body: 'Fixes #50' })
    await merged(9, '2026-04-02 09:00', { body: 'See #60' })
    // Window: d6 finished 23 h before. Resolved 29 h after d6.
    ids.set('I1', await incident(db, 'I1', { service: 'api', started_at: utc('2026-03-07 09:00'), resolved_at: utc('2026-03-07 15:00') }))
    // Explicit: caused by PR #7 (shipped by d7); resolved 18 h after d7.
    ids.set('I2', await incident(db, 'acme/api#50', { source: 'github', reference: 'acme/api#50', repo_id: api, service: 'api', caused_by_pr: 7, started_at: utc('2026-03-10 20:00'), resolved_at: utc('2026-03-11 04:00') }))
    // Window: d8; still open.
    ids.set('I3', await incident(db, 'I3', { service: 'api', started_at: utc('2026-03-13 09:00') }))
    // web has no deployments: unattributed.
    ids.set('I4', await incident(db, 'I4', { service: 'web', started_at: utc('2026-03-15 09:00') }))
    await recomputeAttribution(db, teamConfig(), { now: NOW })
  })

  it('attributes incidents explicitly and by window, and fills deployment_rework', async () => {
    const db = ctx.db.db
    const links = await db.selectFrom('incident_deployment').select(['incident_id', 'deployment_id', 'method']).orderBy('incident_id').execute()
    expect(links.map((l) => `${name(l.incident_id, 'I')} → ${name(l.deployment_id)} ${l.method}`)).toEqual(['I1 → d6 window', 'I2 → d7 explicit', 'I3 → d8 window'])
    const rework = await db.selectFrom('deployment_rework').selectAll().orderBy('deployment_id').execute()
    expect(rework.map((r) => `${name(r.deployment_id)}:${r.rollback ? ' rollback' : ''}${r.revert ? ' revert' : ''}${r.hotfix ? ' hotfix' : ''}${r.incident_linked ? ' incident_linked' : ''}`)).toEqual([
      'd4: rollback',
      'd6: revert',
      'd7: incident_linked',
      'd8: hotfix incident_linked',
    ])
  })

  it('computes the change failure rate with incident link coverage', async () => {
    const F = 'dora.change_failure_rate'
    const [feb, mar, apr, may] = await compute(ctx.db.db, F, '2026-02', 4)
    expect(feb).toEqual({ value: null, sampleSize: 0, coverage: null, measures: { failed: null }, reason: 'no production deployments collected for this period' })
    // March: d3 (rollback), d5 (revert), d6 (I1, window), d7 (I2, explicit; hotfix), d8 (I3) of d1–d8.
    // Incidents started in March: I1, I2, I3 linked, I4 not → 3 / 4.
    expect(mar).toEqual({ value: 5 / 8, sampleSize: 8, coverage: 0.75, measures: { failed: 5 } })
    expect(apr).toEqual({ value: 0, sampleSize: 1, coverage: null, measures: { failed: 0 } })
    expect(may).toEqual({ value: null, sampleSize: 0, coverage: null, measures: { failed: 0 } })
    const [w10, w11] = await compute(ctx.db.db, F, '2026-W10', 2)
    // W10 (2–8 March): d1–d6, of which d3, d5, d6 failed, and I1 linked; W11: d7, d8 both failed,
    // I2 and I3 linked, I4 (web, Sunday 15 March) not.
    expect(pick(w10!, ['value', 'sampleSize', 'coverage'])).toEqual({ value: 0.5, sampleSize: 6, coverage: 1 })
    expect(pick(w11!, ['value', 'sampleSize', 'coverage'])).toEqual({ value: 1, sampleSize: 2, coverage: 2 / 3 })
    expect((await compute(ctx.db.db, F, '2026-03', 1, { scope: 'service:api' }))[0]).toMatchObject({ value: 5 / 8, coverage: 1 })
    expect((await compute(ctx.db.db, F, '2026-03', 1, { scope: 'service:web' }))[0]).toEqual({ value: null, sampleSize: 0, coverage: 0, measures: { failed: 0 } })
    expect((await compute(ctx.db.db, F, '2026-Q1', 1, { timezone: 'America/New_York' }))[0]).toMatchObject({ value: 5 / 8, coverage: 0.75 })
  })

  it('computes recovery time from incident resolution or the remediating deployment, whichever is first', async () => {
    const F = 'dora.recovery_time'
    const [mar, apr] = await compute(ctx.db.db, F, '2026-03', 2)
    // d3 2 h (rollback d4), d5 24 h (revert in d6), d6 29 h (I1 resolved), d7 18 h (I2 resolved before
    // the hotfix shipped), d8 not recovered. [2, 18, 24, 29] → 21; p75 24 + 0.25 × 5; p90 24 + 0.7 × 5.
    expect(mar).toEqual({ value: 21, sampleSize: 4, p75: 25.25, p90: 27.5, mean: 18.25, measures: { unrecovered: 1, failed: 5 } })
    expect(apr).toEqual({ value: null, sampleSize: 0, p75: null, p90: null, mean: null, measures: { unrecovered: 0, failed: 0 } })
    const [w10] = await compute(ctx.db.db, F, '2026-W10', 1)
    // d3, d5, d6: [2, 24, 29] → 24.
    expect(pick(w10!, ['value', 'sampleSize', 'mean'])).toEqual({ value: 24, sampleSize: 3, mean: 55 / 3 })
  })

  it('computes the rework rate from deployment_rework', async () => {
    const F = 'dora.rework_rate'
    const [feb, mar, apr] = await compute(ctx.db.db, F, '2026-02', 3)
    expect(feb).toMatchObject({ value: null, sampleSize: 0, measures: { rework: null } })
    expect(mar).toEqual({ value: 0.5, sampleSize: 8, measures: { rework: 4, rollback: 1, revert: 1, hotfix: 1, incident_linked: 2 } })
    expect(apr).toEqual({ value: 0, sampleSize: 1, measures: { rework: 0, rollback: 0, revert: 0, hotfix: 0, incident_linked: 0 } })
    expect((await compute(ctx.db.db, F, '2026-03', 1, { scope: 'repo:acme/web' }))[0]).toMatchObject({ value: null, sampleSize: 0 })
  })

  it('lists deployments with failure reasons, rework reasons and recovery hours', async () => {
    const c = await context(ctx.db.db, 'dora.change_failure_rate', periods('2026-03', 1))
    const window = { start: c.periods[0]!.start, end: c.periods[0]!.end, limit: 20, offset: 0 }
    const cfr = await formula('dora.change_failure_rate').records!(c, window)
    expect(cfr.total).toBe(8)
    expect(cfr.records.map((r) => `${r.value} ${r.fields.failure_reasons}`)).toEqual([
      '1 incident',
      '1 hotfix,incident',
      '1 incident',
      '1 revert',
      '0 null',
      '1 rollback',
      '0 null',
      '0 null',
    ])
    const recovery = await formula('dora.recovery_time').records!(c, window)
    expect(recovery.total).toBe(5)
    expect(recovery.records.map((r) => r.value)).toEqual([null, 18, 29, 24, 2])
    expect(recovery.records[1]!.fields).toMatchObject({ recovered_at: '2026-03-11T04:00:00.000Z', recovery_hours: 18, failed: true })
    const rework = await formula('dora.rework_rate').records!(c, window)
    expect(rework.records.map((r) => `${r.value} ${r.fields.rework_reasons}`)).toEqual([
      '1 hotfix,incident_linked',
      '1 incident_linked',
      '1 revert',
      '0 null',
      '1 rollback',
      '0 null',
      '0 null',
      '0 null',
    ])
  })

  it('keeps deployment_rework in step with re-runs and with incidents stored later', async () => {
    const db = ctx.db.db
    const rows = async () => (await db.selectFrom('deployment_rework').selectAll().orderBy('deployment_id').execute()).map((r) => ({ ...r, deployment_id: name(r.deployment_id) }))
    const before = await rows()
    const again = await recomputeAttribution(db, teamConfig(), { now: NOW })
    expect(again.services.find((s) => s.service === 'api')!.reworkRows).toEqual({ written: 0, deleted: 0 })
    expect(await rows()).toEqual(before)

    // #8 loses its hotfix label: d8 stays rework (it still names incident #50).
    await db.updateTable('pull_request').set({ labels: [] }).where('number', '=', 8).execute()
    await recomputeAttribution(db, teamConfig(), { now: NOW })
    expect((await rows()).find((r) => r.deployment_id === 'd8')).toMatchObject({ hotfix: false, incident_linked: true })

    // A GitHub incident issue #60 stored by the ingest path (attributeIncidents alone): d9 ships #9, which names it.
    const api = (await db.selectFrom('repository').select('id').where('full_name', '=', 'acme/api').executeTakeFirstOrThrow()).id
    const i5 = await incident(db, 'acme/api#60', { source: 'api', reference: 'acme/api#60', repo_id: api, service: 'api', started_at: utc('2026-04-20 09:00') })
    const result = await attributeIncidents(db, teamConfig(), { incidentIds: [i5], now: NOW })
    expect(result.rework).toEqual({ written: 1, deleted: 0 })
    expect((await rows()).find((r) => r.deployment_id === 'd9')).toMatchObject({ rollback: false, revert: false, hotfix: false, incident_linked: true })
    expect((await compute(db, 'dora.rework_rate', '2026-04', 1))[0]).toMatchObject({ value: 1, measures: { incident_linked: 1 } })

    // A clean run gives the same rows.
    await db.deleteFrom('deployment_rework').execute()
    await recomputeAttribution(db, teamConfig(), { now: NOW })
    expect((await rows()).map((r) => r.deployment_id)).toEqual(['d4', 'd6', 'd7', 'd8', 'd9'])
  })
})
