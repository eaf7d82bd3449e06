import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database, Severity } from '../../db/schema.ts'
import { incidentFilter, type ResolvedScope } from '../../metrics/scope.ts'
import { hoursBetween, inRange, percentile, periodStart, type PeriodRange } from './period-sql.ts'

type Db = Kysely<Database>

/** Severities the severity-based KPIs (MTTR, sev1–2 count) read. */
export const SEV12: readonly Severity[] = ['sev1', 'sev2']

/** A repeat is an incident whose root cause recurred within this many hours (90 days of 24 h). */
export const REPEAT_WINDOW_HOURS = 90 * 24

// normaliseTitle (collectors/shared/incident-common.ts) in PostgreSQL regular expressions:
// `\m`/`\M` are PostgreSQL's word boundaries (its `\b` is a backspace).
const UUID_RE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const HEX_RE = '\\m(0x[0-9a-f]+|(?=[0-9a-f]*[0-9])[0-9a-f]{6,})\\M'

/**
 * An incident's root-cause key (DESIGN §4): the stored one (explicit field or label, else the
 * alert dedup key — the incident-tool collectors and the ingest API store their fallback too),
 * else `service:normalised title` computed here, because GitHub incident issues store only an
 * explicit `root-cause:` label. Null when the title normalises to nothing.
 */
export function rootCauseKeySql(alias: string): RawBuilder<string | null> {
  const col = (c: string) => sql.ref(`${alias}.${c}`)
  const normalised = sql`btrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(lower(${col('title')}), ${UUID_RE}, ' ', 'g'), ${HEX_RE}, ' ', 'g'), '[0-9]+', ' ', 'g'), '[^[:alpha:]]+', ' ', 'g'))`
  return sql<string | null>`coalesce(nullif(btrim(${col('root_cause_key')}), ''), coalesce(${col('service')}, '-') || ':' || nullif(${normalised}, ''))`
}

/** Hours from start to resolution, negative spans (clock skew, bad data) as 0. */
export const hoursToResolve = (alias: string) => sql<number>`greatest(${hoursBetween(`${alias}.started_at`, `${alias}.resolved_at`)}, 0)`

/** Per period of resolution: sev1–sev2 incidents resolved, and the mean and percentiles of their hours to resolve. */
export function sev12ResolutionByPeriod(db: Db, args: { range: PeriodRange; scope: ResolvedScope }) {
  const hours = hoursToResolve('i')
  return db
    .selectFrom('incident as i')
    .select([
      periodStart(args.range, 'i.resolved_at').as('period'),
      sql<number>`count(*)::int`.as('incidents'),
      sql<number | null>`avg(${hours})::float8`.as('mean'),
      percentile(0.5, hours).as('p50'),
      percentile(0.75, hours).as('p75'),
      percentile(0.9, hours).as('p90'),
    ])
    .where('i.severity', 'in', [...SEV12])
    .where(inRange(args.range, 'i.resolved_at'))
    .where(incidentFilter(args.scope, 'i'))
    .groupBy(sql.ref('period'))
    .execute()
}

/** Per period of start: sev1 and sev2 incidents started. */
export function sev12StartedByPeriod(db: Db, args: { range: PeriodRange; scope: ResolvedScope }) {
  return db
    .selectFrom('incident as i')
    .select([
      periodStart(args.range, 'i.started_at').as('period'),
      sql<number>`(count(*) filter (where i.severity = 'sev1'))::int`.as('sev1'),
      sql<number>`(count(*) filter (where i.severity = 'sev2'))::int`.as('sev2'),
    ])
    .where('i.severity', 'in', [...SEV12])
    .where(inRange(args.range, 'i.started_at'))
    .where(incidentFilter(args.scope, 'i'))
    .groupBy(sql.ref('period'))
    .execute()
}

/**
 * Incidents started in [from, to) with their root-cause key and, via a window over every
 * incident (any scope) of the previous 90 days, how many with the same key started strictly
 * earlier and the latest of them. Sorted newest first.
 */
function repeatsQuery(db: Db, args: { from: Date; to: Date; scope: ResolvedScope }) {
  const lookbackFrom = new Date(args.from.getTime() - REPEAT_WINDOW_HOURS * 3_600_000)
  const frame = sql`partition by k.rck order by k.started_at range between ${sql.raw(`interval '${REPEAT_WINDOW_HOURS} hours'`)} preceding and current row exclude group`
  return db
    .with('keyed', (q) =>
      q
        .selectFrom('incident as i')
        .select(['i.id', 'i.started_at', 'i.service', 'i.repo_id', 'i.team_id', rootCauseKeySql('i').as('rck')])
        .where('i.started_at', '>=', lookbackFrom)
        .where('i.started_at', '<', args.to),
    )
    .with('flagged', (q) =>
      q
        .selectFrom('keyed as k')
        .select([
          'k.id',
          'k.started_at',
          'k.service',
          'k.repo_id',
          'k.team_id',
          'k.rck',
          sql<number>`(count(*) over (${frame}))::int`.as('earlier'),
          sql<number | null>`last_value(k.id) over (${frame})`.as('repeat_of_id'),
        ]),
    )
    .selectFrom('flagged as f')
    .where(inRange(args, 'f.started_at'))
    .where(incidentFilter(args.scope, 'f'))
}

/** Per period of start: incidents started and those repeating an earlier incident's root cause (within 90 days). */
export function repeatsByPeriod(db: Db, args: { range: PeriodRange; scope: ResolvedScope }) {
  return repeatsQuery(db, { from: args.range.from, to: args.range.to, scope: args.scope })
    .select([
      periodStart(args.range, 'f.started_at').as('period'),
      sql<number>`count(*)::int`.as('incidents'),
      sql<number>`(count(*) filter (where f.rck is not null and f.earlier > 0))::int`.as('repeats'),
    ])
    .groupBy(sql.ref('period'))
    .execute()
}

const INCIDENT_COLUMNS = ['i.id', 'i.source', 'i.reference', 'i.title', 'i.severity', 'i.service', 'i.team_id', 'i.status', 'i.started_at', 'i.resolved_at', 'i.is_security', 'i.url'] as const

/** Which incidents a records page lists. */
export type IncidentListKind = 'sev12_resolved' | 'sev12_started' | 'security_started'

/**
 * The incidents behind one period's value, newest first (by the timestamp that placed them in the
 * period), with their hours to resolution (null while open) and the total count.
 */
export async function listIncidents(db: Db, args: { kind: IncidentListKind; from: Date; to: Date; scope: ResolvedScope; limit: number; offset: number }) {
  const at = args.kind === 'sev12_resolved' ? 'i.resolved_at' : 'i.started_at'
  const base = db
    .selectFrom('incident as i')
    .where(inRange(args, at))
    .where(incidentFilter(args.scope, 'i'))
    .$if(args.kind !== 'security_started', (q) => q.where('i.severity', 'in', [...SEV12]))
    .$if(args.kind === 'security_started', (q) => q.where('i.is_security', '=', true))
  const [count, rows] = await Promise.all([
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    base
      .select([...INCIDENT_COLUMNS, sql<Date>`${sql.ref(at)}`.as('at'), sql<number | null>`case when i.resolved_at is not null then ${hoursToResolve('i')} end`.as('hours')])
      .orderBy(sql.ref(at), 'desc')
      .orderBy('i.id', 'desc')
      .limit(args.limit)
      .offset(args.offset)
      .execute(),
  ])
  return { total: count.total, rows }
}

/** The incidents started in [from, to), newest first, each with its root-cause key and whether (and of which incident) it is a repeat. */
export async function listRepeatIncidents(db: Db, args: { from: Date; to: Date; scope: ResolvedScope; limit: number; offset: number }) {
  const base = repeatsQuery(db, args)
  const [count, rows] = await Promise.all([
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    base
      .innerJoin('incident as i', 'i.id', 'f.id')
      .leftJoin('incident as prev', 'prev.id', 'f.repeat_of_id')
      .select([
        ...INCIDENT_COLUMNS,
        'f.rck as root_cause_key',
        sql<boolean>`(f.rck is not null and f.earlier > 0)`.as('repeat'),
        sql<string | null>`case when f.rck is not null and f.earlier > 0 then coalesce(prev.reference, prev.external_id) end`.as('repeat_of'),
      ])
      .orderBy('f.started_at', 'desc')
      .orderBy('f.id', 'desc')
      .limit(args.limit)
      .offset(args.offset)
      .execute(),
  ])
  return { total: count.total, rows }
}

/**
 * When the earliest incident started (null when none is stored): incident counts before it are
 * no-data rather than 0. Narrower than factsSince, which also scans deployments and runs.
 */
export async function earliestIncidentStart(db: Db): Promise<Date | null> {
  const row = await db.selectFrom('incident').select((eb) => eb.fn.min('started_at').as('since')).executeTakeFirst()
  return row?.since ? new Date(row.since) : null
}
