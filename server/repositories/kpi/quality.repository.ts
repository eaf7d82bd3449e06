import { sql, type Expression, type Kysely, type SqlBool } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { repoFilter, type ResolvedScope } from '../../metrics/scope.ts'
import { inRange, periodStart, type PeriodRange } from './period-sql.ts'

type Db = Kysely<Database>

/**
 * Whether the text[] `column` holds one of `labels`, ignoring case; false for no labels. On
 * `issue.labels` it reads the index of lower-cased labels (migration 0034).
 */
export function hasLabel(column: string, labels: readonly string[]): Expression<SqlBool> {
  const wanted = [...new Set(labels.map((l) => l.toLowerCase()))]
  if (wanted.length === 0) return sql<SqlBool>`false`
  return sql<SqlBool>`lower_labels(${sql.ref(column)}) && array[${sql.join(wanted)}]::text[]`
}

/** The configured label sets the bug KPIs read (sources.github.labels). */
export interface BugLabels {
  bug: readonly string[]
  escaped: readonly string[]
  customer: readonly string[]
  critical: readonly string[]
}

/**
 * Per period of opening: issues labelled bug, those also labelled escaped, and those also
 * labelled customer-reported and critical (issue table: issues only, never pull requests).
 */
export function bugsByPeriod(db: Db, args: { range: PeriodRange; scope: ResolvedScope; labels: BugLabels }) {
  const { labels } = args
  return db
    .selectFrom('issue as i')
    .select([
      periodStart(args.range, 'i.created_at').as('period'),
      sql<number>`count(*)::int`.as('bugs'),
      sql<number>`(count(*) filter (where ${hasLabel('i.labels', labels.escaped)}))::int`.as('escaped'),
      sql<number>`(count(*) filter (where ${hasLabel('i.labels', labels.customer)} and ${hasLabel('i.labels', labels.critical)}))::int`.as('customer_critical'),
    ])
    .where(hasLabel('i.labels', labels.bug))
    .where(inRange(args.range, 'i.created_at'))
    .where(repoFilter(args.scope, 'i.repo_id'))
    .groupBy(sql.ref('period'))
    .execute()
}

/**
 * The bug issues opened in [from, to) (only the customer-reported critical ones with
 * `customerCritical`), newest first, with their repository, whether they escaped, and the total.
 */
export async function listBugs(db: Db, args: { from: Date; to: Date; scope: ResolvedScope; labels: BugLabels; customerCritical: boolean; limit: number; offset: number }) {
  const { labels } = args
  const base = db
    .selectFrom('issue as i')
    .where(hasLabel('i.labels', labels.bug))
    .where(inRange(args, 'i.created_at'))
    .where(repoFilter(args.scope, 'i.repo_id'))
    .$if(args.customerCritical, (q) => q.where(hasLabel('i.labels', labels.customer)).where(hasLabel('i.labels', labels.critical)))
  const [count, rows] = await Promise.all([
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    base
      .innerJoin('repository as r', 'r.id', 'i.repo_id')
      .select(['i.id', 'i.number', 'i.title', 'i.state', 'i.labels', 'i.created_at', 'i.closed_at', 'i.url', 'r.full_name as repo', sql<boolean>`${hasLabel('i.labels', labels.escaped)}`.as('escaped')])
      .orderBy('i.created_at', 'desc')
      .orderBy('i.id', 'desc')
      .limit(args.limit)
      .offset(args.offset)
      .execute(),
  ])
  return { total: count.total, rows }
}

/** When the earliest stored issue was opened (null when none is): issue counts before it are no-data rather than 0. */
export async function earliestIssueCreated(db: Db): Promise<Date | null> {
  const row = await db.selectFrom('issue').select((eb) => eb.fn.min('created_at').as('since')).executeTakeFirst()
  return row?.since ? new Date(row.since) : null
}
