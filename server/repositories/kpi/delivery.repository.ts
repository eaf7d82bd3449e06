import { sql, type Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Period } from '../../metrics/periods.ts'
import { repoFilter, type ResolvedScope } from '../../metrics/scope.ts'
import type { PeriodRange } from './period-sql.ts'
import { hasLabel } from './quality.repository.ts'

type Db = Kysely<Database>

/** An issue's closing time while it is closed (a reopened issue is open, whatever closed_at says). */
const closedAt = (alias: string) => sql<Date | null>`case when ${sql.ref(`${alias}.state`)} = 'closed' then ${sql.ref(`${alias}.closed_at`)} end`

/**
 * Milestones of the scope with a due date, with the local midnight starting their due date
 * (`due_start`) and ending it (`deadline`) in `timezone`. GitHub keeps a milestone's due date as a
 * day and answers it as a timestamp on that UTC date (00:00, 07:00 or 08:00 UTC), so the UTC date
 * is the due date, and work closed at any time that day is on time.
 */
function datedMilestones(db: Db, args: { scope: ResolvedScope; timezone: string }) {
  const dueDate = sql`(m.due_on at time zone 'UTC')::date`
  return db
    .selectFrom('milestone as m')
    .select([
      'm.id',
      'm.repo_id',
      'm.number',
      'm.title',
      'm.url',
      'm.due_on',
      sql<Date>`${dueDate}::timestamp at time zone ${args.timezone}`.as('due_start'),
      sql<Date>`(${dueDate} + 1)::timestamp at time zone ${args.timezone}`.as('deadline'),
    ])
    .where('m.due_on', 'is not', null)
    .where(repoFilter(args.scope, 'm.repo_id'))
}

/** Milestones due in [from, to) joined to their issues (milestones with no issue kept, issue columns null). */
function milestoneIssues(db: Db, args: { from: Date; to: Date; scope: ResolvedScope; timezone: string }) {
  return db
    .selectFrom(datedMilestones(db, args).as('ms'))
    .leftJoin('issue as i', 'i.milestone_id', 'ms.id')
    .where('ms.due_start', '>=', args.from)
    .where('ms.due_start', '<', args.to)
}

/**
 * Per period of due date: of the milestones whose due date has ended by `now`, how many, their
 * issues, and the issues closed by the end of the due date (`on_time`); milestones due in the
 * period but not yet past their due date are only counted (`not_yet_due`).
 */
export function roadmapByPeriod(db: Db, args: { range: PeriodRange; scope: ResolvedScope; now: Date }) {
  const { range, now } = args
  const past = sql<boolean>`ms.deadline <= ${now}`
  return milestoneIssues(db, { from: range.from, to: range.to, scope: args.scope, timezone: range.timezone })
    .select([
      sql<Date>`date_trunc(${range.unit}, ms.due_start, ${range.timezone})`.as('period'),
      sql<number>`(count(distinct ms.id) filter (where ${past}))::int`.as('milestones'),
      sql<number>`(count(i.id) filter (where ${past}))::int`.as('issues'),
      sql<number>`(count(i.id) filter (where ${past} and ${closedAt('i')} < ms.deadline))::int`.as('on_time'),
      sql<number>`(count(distinct ms.id) filter (where not ${past}))::int`.as('not_yet_due'),
    ])
    .groupBy(sql.ref('period'))
    .execute()
}

/** The issues of the milestones due in [from, to) whose due date has ended by `now`, latest due date first, with whether each closed on time, and the total. */
export async function listMilestoneIssues(db: Db, args: { from: Date; to: Date; scope: ResolvedScope; timezone: string; now: Date; limit: number; offset: number }) {
  const base = milestoneIssues(db, args).where('ms.deadline', '<=', args.now).where('i.id', 'is not', null)
  const [count, rows] = await Promise.all([
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    base
      .innerJoin('repository as r', 'r.id', 'ms.repo_id')
      .select([
        'i.id',
        'i.number',
        'i.title',
        'i.state',
        'i.url',
        sql<Date | null>`${closedAt('i')}`.as('closed_at'),
        'ms.title as milestone',
        'ms.due_on',
        'ms.deadline',
        'r.full_name as repo',
        sql<boolean>`coalesce(${closedAt('i')} < ms.deadline, false)`.as('on_time'),
      ])
      .orderBy('ms.due_start', 'desc')
      .orderBy('ms.id', 'desc')
      .orderBy('i.number', 'desc')
      .limit(args.limit)
      .offset(args.offset)
      .execute(),
  ])
  return { total: count.total, rows }
}

/** Periods as a derived table `p(period_start, period_end)`. */
function periodsTable(periods: readonly Pick<Period, 'start' | 'end'>[]) {
  return sql<{ period_start: Date; period_end: Date }>`(${sql.join(
    periods.map((p) => sql`select ${p.start}::timestamptz as period_start, ${p.end}::timestamptz as period_end`),
    sql` union all `,
  )})`
}

/** Tech-debt issues of the scope open at each period's start, paired with the period. */
function techDebtOpenAtStart(db: Db, args: { periods: readonly Pick<Period, 'start' | 'end'>[]; scope: ResolvedScope; labels: readonly string[] }) {
  return db
    .selectFrom(periodsTable(args.periods).as('p'))
    .innerJoin('issue as i', (join) => join.on(sql<boolean>`i.created_at < p.period_start and (${closedAt('i')} is null or ${closedAt('i')} >= p.period_start)`))
    .where(hasLabel('i.labels', args.labels))
    .where(repoFilter(args.scope, 'i.repo_id'))
}

/** Per period: tech-debt issues open at its start (`open_at_start`) and those of them closed before its end (`closed`). */
export function techDebtByPeriod(db: Db, args: { periods: readonly Pick<Period, 'start' | 'end'>[]; scope: ResolvedScope; labels: readonly string[] }) {
  if (args.periods.length === 0) return Promise.resolve([])
  return techDebtOpenAtStart(db, args)
    .select([
      'p.period_start as period',
      sql<number>`count(*)::int`.as('open_at_start'),
      sql<number>`(count(*) filter (where ${closedAt('i')} < p.period_end))::int`.as('closed'),
    ])
    .groupBy('p.period_start')
    .execute()
}

/** The tech-debt issues open at the start of [start, end), those closed in it first (latest first), then the rest newest first, and the total. */
export async function listTechDebt(db: Db, args: { period: Pick<Period, 'start' | 'end'>; scope: ResolvedScope; labels: readonly string[]; limit: number; offset: number }) {
  const base = techDebtOpenAtStart(db, { periods: [args.period], scope: args.scope, labels: args.labels })
  const closedInPeriod = sql<Date | null>`case when ${closedAt('i')} < p.period_end then ${closedAt('i')} end`
  const [count, rows] = await Promise.all([
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    base
      .innerJoin('repository as r', 'r.id', 'i.repo_id')
      .select(['i.id', 'i.number', 'i.title', 'i.state', 'i.url', 'i.labels', 'i.created_at', 'r.full_name as repo', closedInPeriod.as('closed_at')])
      .orderBy(sql`${closedInPeriod} desc nulls last`)
      .orderBy('i.created_at', 'desc')
      .orderBy('i.id', 'desc')
      .limit(args.limit)
      .offset(args.offset)
      .execute(),
  ])
  return { total: count.total, rows }
}
