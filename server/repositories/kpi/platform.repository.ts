import { sql, type Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { repoFilter, type ResolvedScope } from '../../metrics/scope.ts'

type Db = Kysely<Database>

/** A moment repositories are looked at: the end of a period. */
export interface AsOf {
  /** Observations dated before this local date (`YYYY-MM-DD`, the day the period ends at) count. */
  day: string
  /** The period's end: repositories created after it did not exist yet. */
  end: Date
}

/**
 * Every repository of the scope at each `asOf` point, with its latest observation dated before
 * `day` (null columns when it had none yet); repositories created after `end` are left out.
 */
function repositoriesAt(db: Db, args: { scope: ResolvedScope; asOf: readonly AsOf[] }) {
  const points = sql<{ day: string; period_end: Date }>`(${sql.join(
    args.asOf.map((p) => sql`select ${p.day}::date as day, ${p.end}::timestamptz as period_end`),
    sql` union all `,
  )})`
  return db
    .selectFrom(points.as('p'))
    .innerJoin('repository as r', (join) => join.onTrue())
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('repository_observation as o')
          .select(['o.repo_id', 'o.observed_on', 'o.archived', 'o.dependabot_alerts', 'o.code_scanning', 'o.adoption'])
          .whereRef('o.repo_id', '=', 'r.id')
          .where(sql<boolean>`o.observed_on < p.day`)
          .orderBy('o.observed_on', 'desc')
          .limit(1)
          .as('o'),
      (join) => join.onTrue(),
    )
    .where(repoFilter(args.scope, 'r.id'))
    .where(sql<boolean>`(r.created_at is null or r.created_at < p.period_end or o.repo_id is not null)`)
}

const ACTIVE = sql<boolean>`(o.repo_id is not null and not o.archived)`
const SCANNED = sql<boolean>`(o.dependabot_alerts = 'enabled' or o.code_scanning = 'enabled')`

/**
 * Per `asOf` day: repositories with no observation yet (`unobserved`), archived ones, active
 * (observed, not archived) ones, active ones with Dependabot alerts or code scanning enabled
 * (`scanned`), and active ones by adoption (`adopted` yes / `not_adopted` no / `adoption_unknown`).
 */
export function repositoryStatesAt(db: Db, args: { scope: ResolvedScope; asOf: readonly AsOf[] }) {
  if (args.asOf.length === 0) return Promise.resolve([])
  return repositoriesAt(db, args)
    .select([
      sql<string>`p.day::text`.as('day'),
      sql<number>`(count(*) filter (where o.repo_id is null))::int`.as('unobserved'),
      sql<number>`(count(*) filter (where o.archived))::int`.as('archived'),
      sql<number>`(count(*) filter (where ${ACTIVE}))::int`.as('active'),
      sql<number>`(count(*) filter (where ${ACTIVE} and ${SCANNED}))::int`.as('scanned'),
      sql<number>`(count(*) filter (where ${ACTIVE} and o.adoption = 'yes'))::int`.as('adopted'),
      sql<number>`(count(*) filter (where ${ACTIVE} and o.adoption = 'no'))::int`.as('not_adopted'),
      sql<number>`(count(*) filter (where ${ACTIVE} and o.adoption = 'unknown'))::int`.as('adoption_unknown'),
    ])
    .groupBy(sql.ref('p.day'))
    .execute()
}

/**
 * The active repositories at one point with their observation (only those whose adoption is
 * known with `adoptionKnown`), latest observation first, and the total.
 */
export async function listRepositoriesAt(db: Db, args: { scope: ResolvedScope; asOf: AsOf; adoptionKnown: boolean; limit: number; offset: number }) {
  const base = repositoriesAt(db, { scope: args.scope, asOf: [args.asOf] })
    .where(ACTIVE)
    .$if(args.adoptionKnown, (q) => q.where('o.adoption', 'in', ['yes', 'no']))
  const [count, rows] = await Promise.all([
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    base
      .select(['r.id', 'r.full_name', 'r.url', 'o.observed_on', 'o.archived', 'o.dependabot_alerts', 'o.code_scanning', 'o.adoption', sql<boolean>`${SCANNED}`.as('scanned')])
      .orderBy('o.observed_on', 'desc')
      .orderBy('r.full_name')
      .limit(args.limit)
      .offset(args.offset)
      .execute(),
  ])
  return { total: count.total, rows }
}
