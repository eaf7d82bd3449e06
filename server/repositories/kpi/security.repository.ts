import { sql, type Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { incidentFilter, repoFilter, type ResolvedScope } from '../../metrics/scope.ts'
import { hoursToResolve } from './incidents.repository.ts'
import { inRange, percentile, periodStart, type PeriodRange } from './period-sql.ts'

type Db = Kysely<Database>

/** Days (of 24 h) from an alert's creation to its fix deadline, by severity (DESIGN §4 defaults). */
export const VULNERABILITY_SLA_DAYS = { critical: 15, high: 30 } as const

/** Per period of start: security incidents started, those resolved, and the median hours to resolution (containment). */
export function securityIncidentsByPeriod(db: Db, args: { range: PeriodRange; scope: ResolvedScope }) {
  return db
    .selectFrom('incident as i')
    .select([
      periodStart(args.range, 'i.started_at').as('period'),
      sql<number>`count(*)::int`.as('incidents'),
      sql<number>`count(i.resolved_at)::int`.as('resolved'),
      // percentile_cont skips the nulls of incidents still open.
      percentile(0.5, sql`case when i.resolved_at is not null then ${hoursToResolve('i')} end`).as('median_hours'),
    ])
    .where('i.is_security', '=', true)
    .where(inRange(args.range, 'i.started_at'))
    .where(incidentFilter(args.scope, 'i'))
    .groupBy(sql.ref('period'))
    .execute()
}

/**
 * Critical and high alerts of the scope whose deadline (created + SLA days) falls in [from, to),
 * with `due_at` and `resolved_at` (fixed or dismissed, whichever came first; null while open).
 */
function alertsDue(db: Db, args: { from: Date; to: Date; scope: ResolvedScope }) {
  const longest = Math.max(...Object.values(VULNERABILITY_SLA_DAYS)) * 86_400_000
  const alerts = db
    .selectFrom('vulnerability_alert as a')
    .select([
      'a.id',
      'a.repo_id',
      'a.number',
      'a.severity',
      'a.state',
      'a.package',
      'a.created_at',
      'a.url',
      sql<Date>`a.created_at + case a.severity when 'critical' then ${sql.raw(`interval '${VULNERABILITY_SLA_DAYS.critical * 24} hours'`)} else ${sql.raw(`interval '${VULNERABILITY_SLA_DAYS.high * 24} hours'`)} end`.as('due_at'),
      // A closed alert missing its timestamps counts as resolved when last updated.
      sql<Date | null>`case when a.state <> 'open' then coalesce(least(a.fixed_at, a.dismissed_at), a.updated_at) end`.as('resolved_at'),
    ])
    .where('a.severity', 'in', ['critical', 'high'])
    .where('a.created_at', '>=', new Date(args.from.getTime() - longest))
    .where('a.created_at', '<', args.to)
    .where(repoFilter(args.scope, 'a.repo_id'))
  return db.selectFrom(alerts.as('x')).where(inRange(args, 'x.due_at'))
}

/**
 * Per period of deadline: alerts due by `now` (`due`), those resolved by their deadline (`met`),
 * and those whose deadline in the period is still ahead of `now` (`not_yet_due`, not counted).
 */
export function vulnerabilitySlaByPeriod(db: Db, args: { range: PeriodRange; scope: ResolvedScope; now: Date }) {
  return alertsDue(db, { from: args.range.from, to: args.range.to, scope: args.scope })
    .select([
      periodStart(args.range, 'x.due_at').as('period'),
      sql<number>`(count(*) filter (where x.due_at <= ${args.now}))::int`.as('due'),
      sql<number>`(count(*) filter (where x.due_at <= ${args.now} and x.resolved_at <= x.due_at))::int`.as('met'),
      sql<number>`(count(*) filter (where x.due_at > ${args.now}))::int`.as('not_yet_due'),
    ])
    .groupBy(sql.ref('period'))
    .execute()
}

/** The alerts due in [from, to) and by `now`, latest deadline first, with their repository, whether the SLA was met, and the total. */
export async function listAlertsDue(db: Db, args: { from: Date; to: Date; scope: ResolvedScope; now: Date; limit: number; offset: number }) {
  const base = alertsDue(db, args).where('x.due_at', '<=', args.now)
  const [count, rows] = await Promise.all([
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    base
      .innerJoin('repository as r', 'r.id', 'x.repo_id')
      .select(['x.id', 'x.number', 'x.severity', 'x.state', 'x.package', 'x.created_at', 'x.due_at', 'x.resolved_at', 'x.url', 'r.full_name as repo', sql<boolean>`coalesce(x.resolved_at <= x.due_at, false)`.as('met')])
      .orderBy('x.due_at', 'desc')
      .orderBy('x.id', 'desc')
      .limit(args.limit)
      .offset(args.offset)
      .execute(),
  ])
  return { total: count.total, rows }
}
