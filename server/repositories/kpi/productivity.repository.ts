import { sql, type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Period } from '../../metrics/periods.ts'
import { repoFilter, type ResolvedScope } from '../../metrics/scope.ts'
import { inRange } from './period-sql.ts'

/** Median, p75, p90 and mean of one period's durations, and how many there were. */
export interface DurationStats {
  period: Date
  /** Rows in the sample. */
  n: number
  p50: number | null
  p75: number | null
  p90: number | null
  mean: number | null
}

/** What the per-period queries read: the periods (contiguous or not) and the scope. */
export interface ProductivityArgs {
  periods: readonly Period[]
  scope: ResolvedScope
}

/** A records page's window: rows counted in [from, to), newest first. */
export interface ProductivityPageArgs {
  scope: ResolvedScope
  from: Date
  to: Date
  limit: number
  offset: number
}

/** Completed runs with these conclusions have a build time; cancelled, skipped, timed-out, … runs do not. */
const BUILD_CONCLUSIONS = ['success', 'failure'] as const

/** `(values (start, end), …) as p(s, e)`: the periods' bounds, one row each. */
function periodBounds(periods: readonly Period[]): RawBuilder<unknown> {
  return sql`(values ${sql.join(periods.map((p) => sql`(${p.start}::timestamptz, ${p.end}::timestamptz)`))}) as p(s, e)`
}

const durationStats = (e: RawBuilder<unknown>) => sql`count(${e})::int as n,
  (percentile_cont(0.5) within group (order by ${e}))::float8 as p50,
  (percentile_cont(0.75) within group (order by ${e}))::float8 as p75,
  (percentile_cont(0.9) within group (order by ${e}))::float8 as p90,
  avg(${e})::float8 as mean`

/**
 * Duration stats of `sample` (a query with an `hours` column whose rows fall in period `p`,
 * bounds `p.s` and `p.e`) for each period, plus `extra` aggregates.
 *
 * Each period is its own LATERAL aggregate rather than one `group by date_trunc(…)`: an ordered-set
 * aggregate (percentile_cont) cannot be hashed, so grouping first sorts every row of every period
 * (half a million a year on the large demo, spilling to disk at the default work_mem), where each
 * period's rows come from an index range in order and only its own values are sorted — about twice
 * as fast. The bounds are periods.ts's, the instants `date_trunc(unit, ts, zone)` gives.
 */
async function statsPerPeriod<R extends object = object>(
  db: Kysely<Database>,
  periods: readonly Period[],
  sample: SelectQueryBuilder<Database, never, { hours: number | null }>,
  extra: readonly RawBuilder<unknown>[] = [],
): Promise<(DurationStats & R)[]> {
  if (periods.length === 0) return []
  // `offset 0` keeps the sample a subquery, so `hours` is computed once per row rather than once per aggregate.
  const { rows } = await sql<DurationStats & R>`select p.s as period, x.* from ${periodBounds(periods)}
    cross join lateral (select ${sql.join([...extra, durationStats(sql.ref('c.hours'))])} from ${sample.offset(0).as('c')}) as x`.execute(db)
  return rows
}

/**
 * `to − from` in `unitSeconds` (3600: hours, 86400: days) as float8, 0 when negative, null when
 * either end is null. `date_part` is float8 already, where `extract` computes in numeric — about
 * twice as slow over the half-million rows of a large organisation's year.
 */
function span(from: RawBuilder<unknown> | string, to: RawBuilder<unknown> | string, unitSeconds: 3600 | 86400): RawBuilder<number | null> {
  const a = typeof from === 'string' ? sql.ref(from) : from
  const b = typeof to === 'string' ? sql.ref(to) : to
  const d = sql`(date_part('epoch', ${b} - ${a}) / ${sql.lit(unitSeconds)}.0)`
  return sql<number | null>`(case when ${d} < 0 then 0::float8 else ${d} end)`
}

/**
 * Changes (DESIGN §4): pull requests merged into their repository's default branch, bots
 * included, of the scope's repositories.
 */
function changes(db: Kysely<Database>, scope: ResolvedScope) {
  return db
    .selectFrom('pull_request as pr')
    .innerJoin('repository as r', 'r.id', 'pr.repo_id')
    .where('pr.state', '=', 'merged')
    .where('pr.merged_at', 'is not', null)
    .whereRef('pr.base_branch', '=', 'r.default_branch')
    .where(repoFilter(scope, 'pr.repo_id'))
}

const mergedInPeriod = sql<SqlBool>`(pr.merged_at >= p.s and pr.merged_at < p.e)`

/** Per period: hours from PR created to merged of the changes merged in it. */
export async function cycleTimeByPeriod(db: Kysely<Database>, { periods, scope }: ProductivityArgs): Promise<DurationStats[]> {
  return statsPerPeriod(db, periods, changes(db, scope).where(mergedInPeriod).select(span('pr.created_at', 'pr.merged_at', 3600).as('hours')))
}

/**
 * Per period: hours from PR created to its first review (0 when the review came first) over the
 * changes merged in it that had a review (`n`), and all changes merged in it (`changes`).
 */
export async function reviewPickupByPeriod(db: Kysely<Database>, { periods, scope }: ProductivityArgs): Promise<(DurationStats & { changes: number })[]> {
  return statsPerPeriod<{ changes: number }>(
    db,
    periods,
    changes(db, scope).where(mergedInPeriod).select(span('pr.created_at', 'pr.first_review_at', 3600).as('hours')),
    [sql`count(*)::int as changes`],
  )
}

/** One change behind a cycle-time or pickup value. */
export interface ChangeRecordRow {
  id: number
  number: number
  title: string
  repo: string
  author: string | null
  author_is_bot: boolean
  url: string | null
  created_at: Date
  first_review_at: Date | null
  merged_at: Date
  /** Created → merged, hours. */
  cycle_hours: number
  /** Created → first review, hours; null without a review. */
  pickup_hours: number | null
}

/** Changes merged in [from, to) in the scope, newest merge first, one page. */
export async function changeRecords(db: Kysely<Database>, page: ProductivityPageArgs): Promise<ChangeRecordRow[]> {
  return changes(db, page.scope)
    .where(inRange(page, 'pr.merged_at'))
    .select([
      'pr.id',
      'pr.number',
      'pr.title',
      'r.full_name as repo',
      'pr.author',
      'pr.author_is_bot',
      sql<string | null>`coalesce(pr.url, r.url || '/pull/' || pr.number)`.as('url'),
      'pr.created_at',
      'pr.first_review_at',
      sql<Date>`pr.merged_at`.as('merged_at'),
      sql<number>`${span('pr.created_at', 'pr.merged_at', 3600)}`.as('cycle_hours'),
      span('pr.created_at', 'pr.first_review_at', 3600).as('pickup_hours'),
    ])
    .orderBy('pr.merged_at', 'desc')
    .orderBy('pr.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
}

/** The earliest merge of any pull request: before it, changes were not collected yet. */
export async function earliestMerge(db: Kysely<Database>): Promise<Date | null> {
  const row = await db.selectFrom('pull_request').select((eb) => eb.fn.min('merged_at').as('at')).executeTakeFirst()
  return row?.at ? new Date(row.at) : null
}

/** How many changes were merged in [from, to) in the scope. */
export async function countChanges(db: Kysely<Database>, window: { from: Date; to: Date; scope: ResolvedScope }): Promise<number> {
  const row = await changes(db, window.scope).where(inRange(window, 'pr.merged_at')).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
  return row.n
}

/**
 * CI runs (DESIGN §4, build time): completed workflow runs concluding success or failure on
 * their repository's default branch, of the scope's repositories. The deploy workflows (by file
 * name) and GitHub's own dynamic workflows (`dynamic/…`: Dependabot updates, CodeQL default
 * setup, Pages builds) are not CI.
 */
function ciRuns(db: Kysely<Database>, scope: ResolvedScope, deployWorkflowFiles: readonly string[]) {
  // right() rather than a pattern: a file name's `_` would be a LIKE wildcard, and a regexp per row is slow.
  const deploy: Expression<SqlBool>[] = deployWorkflowFiles.map((f) => sql<SqlBool>`(w.workflow_path = ${f} or right(w.workflow_path, ${f.length + 1}) = ${`/${f}`})`)
  return db
    .selectFrom('workflow_run as w')
    .innerJoin('repository as r', 'r.id', 'w.repo_id')
    .where('w.status', '=', 'completed')
    .where('w.conclusion', 'in', [...BUILD_CONCLUSIONS])
    .whereRef('w.head_branch', '=', 'r.default_branch')
    .where(repoFilter(scope, 'w.repo_id'))
    .where('w.workflow_path', 'not like', 'dynamic/%')
    .$if(deploy.length > 0, (q) => q.where((eb) => eb.not(eb.or(deploy))))
}

const runHours = span(sql`coalesce(w.run_started_at, w.created_at)`, 'w.updated_at', 3600)

/** Per period: hours from a CI run's start (its creation when unknown) to its finish, over the runs finishing in it. */
export async function buildTimeByPeriod(db: Kysely<Database>, args: ProductivityArgs & { deployWorkflowFiles: readonly string[] }): Promise<DurationStats[]> {
  const sample = ciRuns(db, args.scope, args.deployWorkflowFiles)
    .where(sql<SqlBool>`(w.updated_at >= p.s and w.updated_at < p.e)`)
    .select(runHours.as('hours'))
  return statsPerPeriod(db, args.periods, sample)
}

/** One CI run behind a build-time value. */
export interface RunRecordRow {
  id: number
  external_id: string
  name: string | null
  workflow_path: string
  repo: string
  head_branch: string | null
  head_sha: string | null
  conclusion: string | null
  event: string | null
  url: string | null
  updated_at: Date
  hours: number
}

/** CI runs finishing in [from, to) in the scope, newest first, one page. */
export async function runRecords(db: Kysely<Database>, page: ProductivityPageArgs & { deployWorkflowFiles: readonly string[] }): Promise<RunRecordRow[]> {
  return ciRuns(db, page.scope, page.deployWorkflowFiles)
    .where(inRange(page, 'w.updated_at'))
    .select([
      'w.id',
      'w.external_id',
      'w.name',
      'w.workflow_path',
      'r.full_name as repo',
      'w.head_branch',
      'w.head_sha',
      'w.conclusion',
      'w.event',
      'w.url',
      'w.updated_at',
      sql<number>`${runHours}`.as('hours'),
    ])
    .orderBy('w.updated_at', 'desc')
    .orderBy('w.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
}

/** How many CI runs finished in [from, to) in the scope. */
export async function countRuns(db: Kysely<Database>, window: { from: Date; to: Date; scope: ResolvedScope; deployWorkflowFiles: readonly string[] }): Promise<number> {
  const row = await ciRuns(db, window.scope, window.deployWorkflowFiles).where(inRange(window, 'w.updated_at')).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
  return row.n
}

/**
 * One row per human author whose first pull request (any state, any repository) was opened in a
 * repository of the scope: that PR, and the first successful production deployment shipping any
 * of their PRs (nulls when none has yet).
 *
 * Distinct authors come from a skip scan of `pull_request (author, created_at)` and each author's
 * facts from a few index probes (LATERAL), so the cost follows the number of authors, not of
 * PRs. The first deployment is searched among the PRs opened no later than the deployment of the
 * author's earliest shipped PR: a deployment never ships a PR opened after it finished.
 */
function firstDeploys(scope: ResolvedScope): RawBuilder<unknown> {
  const shipped = sql`pull_request p
      join deployment_change dc on dc.pull_request_id = p.id
      join deployment d on d.id = dc.deployment_id and d.is_production and d.status = 'success'`
  return sql`
    authors(author) as (
      (select author from pull_request where author is not null order by author limit 1)
      union all
      select (select p.author from pull_request p where p.author > a.author order by p.author limit 1)
      from authors a where a.author is not null
    ),
    firsts as (
      select a.author, f.id as pr_id, f.repo_id, f.created_at as first_pr_at, dep.id as deployment_id, dep.finished_at as first_deploy_at
      from authors a
      cross join lateral (
        select p.id, p.repo_id, p.created_at, p.author_is_bot from pull_request p
        where p.author = a.author order by p.created_at, p.id limit 1) f
      left join lateral (
        select d.finished_at from ${shipped}
        where p.author = a.author order by p.created_at, p.id limit 1) bound on true
      left join lateral (
        select d.id, d.finished_at from ${shipped}
        where p.author = a.author and p.created_at <= bound.finished_at order by d.finished_at, d.id limit 1) dep on true
      where a.author is not null and not f.author_is_bot and ${repoFilter(scope, 'f.repo_id')}
    )`
}

/** Time to first deploy for one period: authors who first deployed in it, and authors still waiting at its end. */
export interface FirstDeployStats extends DurationStats {
  /** Authors whose first PR was opened before the period's end and who had shipped nothing by then. */
  waiting: number
}

/**
 * Per period (given explicitly: `waiting` is a state at each period's end): days from an
 * author's first PR to their first production deployment, over the authors whose first
 * deployment finished in the period, and the authors still waiting at its end.
 */
export async function firstDeployByPeriod(db: Kysely<Database>, args: ProductivityArgs): Promise<FirstDeployStats[]> {
  if (args.periods.length === 0) return []
  const inPeriod = sql`(f.first_deploy_at >= p.s and f.first_deploy_at < p.e)`
  const days = span('f.first_pr_at', 'f.first_deploy_at', 86400)
  const { rows } = await sql<FirstDeployStats>`
    with recursive ${firstDeploys(args.scope)}
    select p.s as period,
      (count(*) filter (where ${inPeriod}))::int as n,
      (percentile_cont(0.5) within group (order by ${days}) filter (where ${inPeriod}))::float8 as p50,
      (percentile_cont(0.75) within group (order by ${days}) filter (where ${inPeriod}))::float8 as p75,
      (percentile_cont(0.9) within group (order by ${days}) filter (where ${inPeriod}))::float8 as p90,
      (avg(${days}) filter (where ${inPeriod}))::float8 as mean,
      (count(*) filter (where f.first_pr_at < p.e and (f.first_deploy_at is null or f.first_deploy_at >= p.e)))::int as waiting
    from ${periodBounds(args.periods)}
    left join firsts f on true
    group by p.s`.execute(db)
  return rows
}

/** One author behind a time-to-first-deploy value. */
export interface AuthorRecordRow {
  author: string
  repo: string
  pr_number: number
  pr_title: string
  pr_url: string | null
  first_pr_at: Date
  deployment_id: number
  deployment_url: string | null
  service: string
  environment: string
  first_deploy_at: Date
  days: number
  total: number
}

/** Authors whose first production deployment finished in [from, to), newest first, one page, each with the window's total. */
export async function firstDeployRecords(db: Kysely<Database>, page: ProductivityPageArgs): Promise<AuthorRecordRow[]> {
  const { rows } = await sql<AuthorRecordRow>`
    with recursive ${firstDeploys(page.scope)}
    select f.author, r.full_name as repo, pr.number as pr_number, pr.title as pr_title,
      coalesce(pr.url, r.url || '/pull/' || pr.number) as pr_url, f.first_pr_at,
      d.id as deployment_id, d.url as deployment_url, d.service, d.environment, f.first_deploy_at,
      ${span('f.first_pr_at', 'f.first_deploy_at', 86400)} as days,
      (count(*) over ())::int as total
    from firsts f
    join pull_request pr on pr.id = f.pr_id
    join repository r on r.id = f.repo_id
    join deployment d on d.id = f.deployment_id
    where ${inRange(page, 'f.first_deploy_at')}
    order by f.first_deploy_at desc, f.author
    limit ${page.limit} offset ${page.offset}`.execute(db)
  return rows
}
