import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { deploymentFilter, incidentFilter, repoFilter, type ResolvedScope } from '../../metrics/scope.ts'
import { inRange, percentile, periodStart, type PeriodRange } from './period-sql.ts'

/** What every DORA query reads: the periods' span and zone, and the scope. */
export interface DoraArgs {
  range: PeriodRange
  scope: ResolvedScope
}

/** A records page's window: rows counted in [start, end), newest first. */
export interface DoraPageArgs {
  scope: ResolvedScope
  start: Date
  end: Date
  limit: number
  offset: number
}

/** Successful production deployments (alias `d`) finishing in [from, to) within the scope. */
function productionDeployments(db: Kysely<Database>, range: { from: Date; to: Date }, scope: ResolvedScope) {
  return db
    .selectFrom('deployment as d')
    .where('d.is_production', '=', true)
    .where('d.status', '=', 'success')
    .where(inRange(range, 'd.finished_at'))
    .where(deploymentFilter(scope, 'd'))
}

const ref = (column: string) => sql.ref(column)

/**
 * Hours from `from` to `to`, 0 when negative, as float8 (`date_part` stays in floating point:
 * `extract` would go through numeric, several times slower over half a million changes). Null
 * when `nullable` (a column either end may lack) is null: `greatest` alone would make it 0.
 */
function clampedHours(from: RawBuilder<unknown>, to: RawBuilder<unknown>, nullable: RawBuilder<unknown>[] = []): RawBuilder<number> {
  const hours = sql<number>`(date_part('epoch', greatest(${to} - ${from}, interval '0')) / 3600)`
  return nullable.length === 0 ? hours : sql<number>`(case when ${sql.join(nullable.map((c) => sql`${c} is not null`), sql` and `)} then ${hours} end)`
}

/** `group by 1`: a grouping expression with bound parameters (zone, unit) is not matched to the same one in the select list. */
const FIRST_COLUMN = sql`1`

/**
 * A shipped change's lead time (first commit, else PR creation → its deployment's finish) and its
 * parts, in hours, over `deployment as d` ⋈ `pull_request as p`; pickup and review are null
 * without a review.
 */
const started = sql`coalesce(p.first_commit_at, p.created_at)`
const leadParts = [
  clampedHours(started, ref('d.finished_at')).as('lead'),
  clampedHours(started, ref('p.created_at')).as('coding'),
  clampedHours(ref('p.created_at'), ref('p.first_review_at'), [ref('p.first_review_at')]).as('pickup'),
  clampedHours(ref('p.first_review_at'), ref('p.merged_at'), [ref('p.first_review_at'), ref('p.merged_at')]).as('review'),
  clampedHours(ref('p.merged_at'), ref('d.finished_at'), [ref('p.merged_at')]).as('deploy'),
] as const

/** Ids of deployments with a failure row or an attributed incident. */
const failedIds = (db: Kysely<Database>) =>
  db.selectFrom('deployment_failure').select('deployment_id').union(db.selectFrom('incident_deployment').select('deployment_id'))

const isFailed = sql<boolean>`(exists (select 1 from deployment_failure f where f.deployment_id = d.id)
  or exists (select 1 from incident_deployment l where l.deployment_id = d.id))`

/** Failure reasons of deployment `d`, comma-separated in name order (incident links count as `incident`); null when none. */
const failureReasons = sql<string | null>`(select string_agg(reason, ',' order by reason) from (
  select f.reason from deployment_failure f where f.deployment_id = d.id
  union select 'incident' from incident_deployment l where l.deployment_id = d.id) as reasons)`

/**
 * When failed deployment `d` recovered: the earliest of its attributed incidents' resolution and
 * the finish of a deployment remediating it; null while neither has happened.
 */
const recoveredAt = sql<Date | null>`least(
  (select min(i.resolved_at) from incident_deployment l join incident i on i.id = l.incident_id where l.deployment_id = d.id),
  (select min(r.finished_at) from deployment_failure f join deployment r on r.id = f.remediation_deployment_id
    where f.deployment_id = d.id and r.is_production and r.status = 'success'))`

/** Deployment `d`'s link: its own URL, else its commit on its repository's page. */
const deploymentUrl = sql<string | null>`coalesce(d.url, (select r.url || '/commit/' || d.sha from repository r where r.id = d.repo_id and d.sha is not null))`

/**
 * When the earliest production deployment finished (factsSince's `deployments`, read from one
 * index instead of every fact table): periods ending at or before it have no deployment data.
 */
export async function firstProductionDeploymentAt(db: Kysely<Database>): Promise<Date | null> {
  const row = await db.selectFrom('deployment').select(sql<Date | null>`min(finished_at)`.as('at')).where('is_production', '=', true).executeTakeFirst()
  return row?.at ? new Date(row.at) : null
}

/**
 * Successful production deployments per local calendar day (`YYYY-MM-DD` in the range's zone) in
 * [from, to): the days with at least one, ascending.
 */
export async function deploymentsPerDay(db: Kysely<Database>, { range, scope }: DoraArgs): Promise<{ day: string; deployments: number }[]> {
  const day = sql<string>`to_char(d.finished_at at time zone ${range.timezone}, 'YYYY-MM-DD')`
  return productionDeployments(db, range, scope)
    .select([day.as('day'), sql<number>`count(*)::int`.as('deployments')])
    .groupBy(FIRST_COLUMN)
    .orderBy(FIRST_COLUMN)
    .execute()
}

/**
 * Lead time per period of the shipping deployment's finish: shipped changes whose successful
 * production deployment (in scope) finished in the period, with the median, p75, p90 and mean of
 * first commit (PR creation when unknown) → shipped, and the medians of its parts, in hours;
 * every span is clamped at 0 and pickup/review leave out changes without a review.
 */
export async function leadTimeByPeriod(
  db: Kysely<Database>,
  { range, scope }: DoraArgs,
): Promise<{ period: Date; changes: number; p50: number | null; p75: number | null; p90: number | null; mean: number | null; coding: number | null; pickup: number | null; review: number | null; deploy: number | null }[]> {
  const shipped = productionDeployments(db, range, scope)
    .innerJoin('deployment_change as dc', 'dc.deployment_id', 'd.id')
    .innerJoin('pull_request as p', 'p.id', 'dc.pull_request_id')
    // Always true of a shipped change; lets the planner read the merged pull-request index alone.
    .where('p.merged_at', 'is not', null)
    .select([
      periodStart(range, 'd.finished_at').as('period'),
      ...leadParts,
    ])
  return db
    .selectFrom(shipped.as('c'))
    .select([
      'c.period',
      sql<number>`count(*)::int`.as('changes'),
      percentile(0.5, 'c.lead').as('p50'),
      percentile(0.75, 'c.lead').as('p75'),
      percentile(0.9, 'c.lead').as('p90'),
      sql<number | null>`avg(c.lead)::float8`.as('mean'),
      percentile(0.5, 'c.coding').as('coding'),
      percentile(0.5, 'c.pickup').as('pickup'),
      percentile(0.5, 'c.review').as('review'),
      percentile(0.5, 'c.deploy').as('deploy'),
    ])
    .groupBy('c.period')
    .execute()
}

/**
 * Changes in scope merged in each period (pull requests merged into their repository's default
 * branch, by merged_at) and how many of them have a shipping deployment.
 */
export async function shippingCoverageByPeriod(db: Kysely<Database>, { range, scope }: DoraArgs): Promise<{ period: Date; merged: number; shipped: number }[]> {
  const period = periodStart(range, 'p.merged_at')
  return db
    .selectFrom('pull_request as p')
    .innerJoin('repository as r', 'r.id', 'p.repo_id')
    .leftJoin('deployment_change as dc', 'dc.pull_request_id', 'p.id')
    .select([period.as('period'), sql<number>`count(*)::int`.as('merged'), sql<number>`count(dc.pull_request_id)::int`.as('shipped')])
    .where(inRange(range, 'p.merged_at'))
    .whereRef('p.base_branch', '=', 'r.default_branch')
    .where(repoFilter(scope, 'p.repo_id'))
    .groupBy(FIRST_COLUMN)
    .execute()
}

/**
 * Successful production deployments finishing in each period, and how many of them failed (a
 * `deployment_failure` row — rollback, revert, hotfix, incident — or an attributed incident).
 */
export async function failuresByPeriod(db: Kysely<Database>, { range, scope }: DoraArgs): Promise<{ period: Date; deployments: number; failed: number }[]> {
  const period = periodStart(range, 'd.finished_at')
  return productionDeployments(db, range, scope)
    .leftJoin(failedIds(db).as('x'), 'x.deployment_id', 'd.id')
    .select([period.as('period'), sql<number>`count(*)::int`.as('deployments'), sql<number>`count(x.deployment_id)::int`.as('failed')])
    .groupBy(FIRST_COLUMN)
    .execute()
}

/** Incidents in scope started in each period, and how many are attributed to a deployment. */
export async function incidentLinksByPeriod(db: Kysely<Database>, { range, scope }: DoraArgs): Promise<{ period: Date; incidents: number; linked: number }[]> {
  const period = periodStart(range, 'i.started_at')
  return db
    .selectFrom('incident as i')
    .leftJoin('incident_deployment as l', 'l.incident_id', 'i.id')
    .select([period.as('period'), sql<number>`count(*)::int`.as('incidents'), sql<number>`count(l.incident_id)::int`.as('linked')])
    .where(inRange(range, 'i.started_at'))
    .where(incidentFilter(scope, 'i'))
    .groupBy(FIRST_COLUMN)
    .execute()
}

/**
 * Failed deployments finishing in each period: how many recovered and how many not yet, with the
 * median, p75, p90 and mean hours from the deployment's finish to its recovery (clamped at 0).
 */
export async function recoveryByPeriod(
  db: Kysely<Database>,
  { range, scope }: DoraArgs,
): Promise<{ period: Date; failed: number; recovered: number; p50: number | null; p75: number | null; p90: number | null; mean: number | null }[]> {
  const failed = productionDeployments(db, range, scope)
    .innerJoin(failedIds(db).as('x'), 'x.deployment_id', 'd.id')
    .select(['d.id', periodStart(range, 'd.finished_at').as('period'), 'd.finished_at'])
  // Joins rather than a subquery per failed deployment: the planner's cost for those crosses
  // PostgreSQL's JIT threshold, and compiling took longer than the query. `r.is_production`
  // lets the remediation lookup read the production-deployment index.
  return db
    .with((wb) => wb('failed').materialized(), () => failed)
    .with('recovered', (qc) =>
      qc
        .selectFrom(
          qc
            .selectFrom('failed as f')
            .innerJoin('deployment_failure as df', 'df.deployment_id', 'f.id')
            .innerJoin('deployment as r', 'r.id', 'df.remediation_deployment_id')
            .select(['df.deployment_id', 'r.finished_at as at'])
            .where('r.is_production', '=', true)
            .where('r.status', '=', 'success')
            .unionAll(
              qc
                .selectFrom('failed as f')
                .innerJoin('incident_deployment as l', 'l.deployment_id', 'f.id')
                .innerJoin('incident as i', 'i.id', 'l.incident_id')
                .select(['l.deployment_id', 'i.resolved_at as at']),
            )
            .as('u'),
        )
        .select(['u.deployment_id', sql<Date | null>`min(u.at)`.as('at')])
        .groupBy('u.deployment_id'),
    )
    .with('recovery', (qc) =>
      qc
        .selectFrom('failed as f')
        .leftJoin('recovered as r', 'r.deployment_id', 'f.id')
        .select(['f.period', clampedHours(ref('f.finished_at'), ref('r.at'), [ref('r.at')]).as('hours')]),
    )
    .selectFrom('recovery as f')
    .select([
      'f.period',
      sql<number>`count(*)::int`.as('failed'),
      sql<number>`count(f.hours)::int`.as('recovered'),
      percentile(0.5, 'f.hours').as('p50'),
      percentile(0.75, 'f.hours').as('p75'),
      percentile(0.9, 'f.hours').as('p90'),
      sql<number | null>`avg(f.hours)::float8`.as('mean'),
    ])
    .groupBy('f.period')
    .execute()
}

/**
 * Successful production deployments finishing in each period, how many are rework
 * (`deployment_rework`), and how many carry each reason (a deployment may carry several).
 */
export async function reworkByPeriod(
  db: Kysely<Database>,
  { range, scope }: DoraArgs,
): Promise<{ period: Date; deployments: number; rework: number; rollback: number; revert: number; hotfix: number; incident_linked: number }[]> {
  const period = periodStart(range, 'd.finished_at')
  const countWhere = (flag: string) => sql<number>`(count(*) filter (where ${sql.ref(`w.${flag}`)}))::int`
  return productionDeployments(db, range, scope)
    .leftJoin('deployment_rework as w', 'w.deployment_id', 'd.id')
    .select([
      period.as('period'),
      sql<number>`count(*)::int`.as('deployments'),
      sql<number>`count(w.deployment_id)::int`.as('rework'),
      countWhere('rollback').as('rollback'),
      countWhere('revert').as('revert'),
      countWhere('hotfix').as('hotfix'),
      countWhere('incident_linked').as('incident_linked'),
    ])
    .groupBy(FIRST_COLUMN)
    .execute()
}

/** One deployment as the records API lists it. */
export interface DeploymentRecordRow {
  id: number
  service: string
  environment: string
  sha: string | null
  finished_at: Date
  url: string | null
  repo: string | null
  source: string
  /** Comma-separated failure reasons, null when it did not fail. */
  failure_reasons: string | null
  rollback: boolean | null
  revert: boolean | null
  hotfix: boolean | null
  incident_linked: boolean | null
  /** When it recovered (failed deployments only), null when not yet. */
  recovered_at: Date | null
}

/** Successful production deployments in scope finishing in [start, end): how many (`failedOnly`: only the failed ones). */
export async function countDeployments(db: Kysely<Database>, args: Omit<DoraPageArgs, 'limit' | 'offset'> & { failedOnly?: boolean }): Promise<number> {
  const row = await productionDeployments(db, { from: args.start, to: args.end }, args.scope)
    .select(sql<number>`count(*)::int`.as('n'))
    .$if(args.failedOnly === true, (q) => q.where(isFailed))
    .executeTakeFirstOrThrow()
  return row.n
}

/**
 * One page of the successful production deployments in scope finishing in [start, end), newest
 * first, with failure reasons, rework flags and recovery time (`failedOnly`: only the failed ones).
 */
export async function listDeployments(db: Kysely<Database>, args: DoraPageArgs & { failedOnly?: boolean }): Promise<DeploymentRecordRow[]> {
  return productionDeployments(db, { from: args.start, to: args.end }, args.scope)
    .leftJoin('deployment_rework as w', 'w.deployment_id', 'd.id')
    .leftJoin('repository as r', 'r.id', 'd.repo_id')
    .select([
      'd.id',
      'd.service',
      'd.environment',
      'd.sha',
      sql<Date>`d.finished_at`.as('finished_at'),
      deploymentUrl.as('url'),
      'r.full_name as repo',
      'd.source',
      failureReasons.as('failure_reasons'),
      'w.rollback',
      'w.revert',
      'w.hotfix',
      'w.incident_linked',
      sql<Date | null>`case when ${isFailed} then ${recoveredAt} end`.as('recovered_at'),
    ])
    .$if(args.failedOnly === true, (q) => q.where(isFailed))
    .orderBy('d.finished_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(args.limit)
    .offset(args.offset)
    .execute()
}

/** Changes shipped by successful production deployments in scope finishing in [start, end). */
export async function countShippedChanges(db: Kysely<Database>, args: Omit<DoraPageArgs, 'limit' | 'offset'>): Promise<number> {
  const row = await productionDeployments(db, { from: args.start, to: args.end }, args.scope)
    .innerJoin('deployment_change as dc', 'dc.deployment_id', 'd.id')
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow()
  return row.n
}

/** One shipped change as the records API lists it; durations in hours, clamped at 0. */
export interface ShippedChangeRow {
  id: number
  number: number
  title: string
  repo: string
  url: string | null
  shipped_at: Date
  deployment_id: number
  service: string
  method: string
  lead: number
  coding: number
  pickup: number | null
  review: number | null
  deploy: number | null
}

/** One page of those changes, newest shipping first, with lead time and its parts in hours. */
export async function listShippedChanges(db: Kysely<Database>, args: DoraPageArgs): Promise<ShippedChangeRow[]> {
  return productionDeployments(db, { from: args.start, to: args.end }, args.scope)
    .innerJoin('deployment_change as dc', 'dc.deployment_id', 'd.id')
    .innerJoin('pull_request as p', 'p.id', 'dc.pull_request_id')
    .innerJoin('repository as r', 'r.id', 'p.repo_id')
    .select([
      'p.id',
      'p.number',
      'p.title',
      'r.full_name as repo',
      'p.url',
      sql<Date>`d.finished_at`.as('shipped_at'),
      'd.id as deployment_id',
      'd.service',
      'dc.method',
      ...leadParts,
    ])
    .orderBy('d.finished_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(args.limit)
    .offset(args.offset)
    .execute()
}
