import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { periodStart, type PeriodRange } from './period-sql.ts'

/** How an SLO's samples are cut into units: its time slice (Timeslices, RatioTimeslices) or none (Occurrences). */
export interface SloSliceSpec {
  id: string
  /** Slice length in seconds; null for Occurrences (every sample is its own unit). */
  sliceSeconds: number | null
  /** Share of good events a slice needs to be good (Timeslices); null otherwise. */
  sliceTarget: number | null
}

/**
 * SLI sums for one SLO over a span. Events are counts; times are seconds of slices that had
 * events. A unit is a sample at least as long as the slice (or any sample without slices), or one
 * slice holding the finer samples summed into it.
 */
export interface SliTotals {
  good: number
  total: number
  /** Seconds of units with events. */
  dataSeconds: number
  /** Seconds of units whose good ÷ total reached the slice target. */
  goodSeconds: number
  /** Σ seconds × (good ÷ total) over units with events: the time-weighted sum of slice ratios. */
  ratioSeconds: number
}

type TotalsRow = { slo_id: string; good: number; total: number; data_seconds: number; good_seconds: number; ratio_seconds: number }

const specValues = (slos: readonly SloSliceSpec[]) =>
  sql`(values ${sql.join(slos.map((s) => sql`(${s.id}::text, ${s.sliceSeconds}::float8, ${s.sliceTarget}::float8)`))})`

/**
 * `units(slo_id, unit_start, unit_end, unit_seconds, slice_target, first_start, good, total)`: the
 * samples of the SLOs matching `where`. A sample at least as long as the slice (every sample of an
 * Occurrences SLO) is a unit of its own; finer samples are summed into the epoch-aligned slice
 * they start in. Only the fine ones are grouped: most samples are hourly and pass straight through.
 */
function unitsCte(slos: readonly SloSliceSpec[], where: RawBuilder<unknown>): RawBuilder<unknown> {
  const seconds = sql`date_part('epoch', s.interval_end - s.interval_start)`
  const slice = sql`floor(date_part('epoch', s.interval_start) / p.slice_seconds)`
  return sql`
    p(slo_id, slice_seconds, slice_target) as ${specValues(slos)},
    units as (
      select s.slo_id, s.interval_start as unit_start, s.interval_end as unit_end, ${seconds} as unit_seconds, p.slice_target,
        s.interval_start as first_start, s.good, s.total
      from sli_sample s
      join p on p.slo_id = s.slo_id
      where ${where} and (p.slice_seconds is null or ${seconds} >= p.slice_seconds)
      union all
      select s.slo_id, to_timestamp(${slice} * p.slice_seconds), to_timestamp((${slice} + 1) * p.slice_seconds), p.slice_seconds, p.slice_target,
        min(s.interval_start), sum(s.good), sum(s.total)
      from sli_sample s
      join p on p.slo_id = s.slo_id
      where ${where} and ${seconds} < p.slice_seconds
      group by s.slo_id, ${slice}, p.slice_seconds, p.slice_target
    )`
}

/** The aggregate columns of SliTotals over `units`, each unit weighted by `weight` (1, or its share inside a window). */
function totalsColumns(weight: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    coalesce(sum(good * ${weight}), 0)::float8 as good,
    coalesce(sum(total * ${weight}), 0)::float8 as total,
    coalesce(sum(unit_seconds * ${weight}) filter (where total > 0), 0)::float8 as data_seconds,
    coalesce(sum(unit_seconds * ${weight}) filter (where total > 0 and good / total >= slice_target), 0)::float8 as good_seconds,
    coalesce(sum(unit_seconds * ${weight} * good / total) filter (where total > 0), 0)::float8 as ratio_seconds`
}

const toTotals = (r: TotalsRow): SliTotals => ({
  good: Number(r.good),
  total: Number(r.total),
  dataSeconds: Number(r.data_seconds),
  goodSeconds: Number(r.good_seconds),
  ratioSeconds: Number(r.ratio_seconds),
})

/**
 * SLI totals per SLO and period over `range`: samples starting in [from, to), a slice placed in
 * the period of its first sample (one query for all periods).
 */
export async function sloTotalsByPeriod(db: Kysely<Database>, args: { range: PeriodRange; slos: readonly SloSliceSpec[] }): Promise<(SliTotals & { sloId: string; period: Date })[]> {
  if (args.slos.length === 0) return []
  const { range } = args
  const { rows } = await sql<TotalsRow & { period: Date | string }>`
    with ${unitsCte(args.slos, sql`s.interval_start >= ${range.from} and s.interval_start < ${range.to}`)}
    select slo_id, ${periodStart(range, 'first_start')} as period, ${totalsColumns(sql`1`)}
    from units
    group by 1, 2
    order by 1, 2`.execute(db)
  return rows.map((r) => ({ sloId: r.slo_id, period: new Date(r.period), ...toTotals(r) }))
}

/** SLI totals per SLO over samples starting in [from, to) (the records of one period). */
export async function sloTotalsBetween(db: Kysely<Database>, args: { from: Date; to: Date; slos: readonly SloSliceSpec[] }): Promise<(SliTotals & { sloId: string })[]> {
  if (args.slos.length === 0) return []
  const { rows } = await sql<TotalsRow>`
    with ${unitsCte(args.slos, sql`s.interval_start >= ${args.from} and s.interval_start < ${args.to}`)}
    select slo_id, ${totalsColumns(sql`1`)}
    from units
    group by 1
    order by 1`.execute(db)
  return rows.map((r) => ({ sloId: r.slo_id, ...toTotals(r) }))
}

/** Share of a unit inside [w.from, w.to), as SQL over `units` joined to windows `w`. */
const overlapShare = sql`(greatest(0, date_part('epoch', least(u.unit_end, w.w_to) - greatest(u.unit_start, w.w_from))) / u.unit_seconds)`

/**
 * SLI totals per SLO and window, each unit weighted by the share of its time inside the window
 * (an hourly sample half inside a 1 h window counts half its events and half its time).
 */
export async function sloTotalsInWindows(
  db: Kysely<Database>,
  args: { slos: readonly SloSliceSpec[]; windows: readonly { key: string; from: Date; to: Date }[] },
): Promise<(SliTotals & { sloId: string; key: string })[]> {
  if (args.slos.length === 0 || args.windows.length === 0) return []
  const from = new Date(Math.min(...args.windows.map((w) => w.from.getTime())))
  const to = new Date(Math.max(...args.windows.map((w) => w.to.getTime())))
  const margin = Math.max(0, ...args.slos.map((s) => s.sliceSeconds ?? 0))
  const windows = sql`(values ${sql.join(args.windows.map((w) => sql`(${w.key}::text, ${w.from}::timestamptz, ${w.to}::timestamptz)`))})`
  // The margin keeps whole slices at the edges: a slice's finer samples may start before the window.
  const where = sql`s.interval_end > ${new Date(from.getTime() - margin * 1000)} and s.interval_start < ${to}`
  const { rows } = await sql<TotalsRow & { key: string }>`
    with ${unitsCte(args.slos, where)},
    w(key, w_from, w_to) as ${windows},
    weighted as (
      select u.slo_id, w.key, u.good, u.total, u.unit_seconds, u.slice_target, ${overlapShare} as share
      from units u
      join w on u.unit_start < w.w_to and u.unit_end > w.w_from
    )
    select slo_id, key, ${totalsColumns(sql`share`)}
    from weighted
    group by 1, 2
    order by 1, 2`.execute(db)
  return rows.map((r) => ({ sloId: r.slo_id, key: r.key, ...toTotals(r) }))
}

/**
 * SLI totals per SLO and day of its own window [from, to): day `k` holds the units starting in
 * [from + k days, from + k + 1 days) (a unit straddling `from` in day 0), each weighted by its
 * share inside the window, so the days add up to the window's totals.
 */
export async function sloTotalsByWindowDay(
  db: Kysely<Database>,
  args: { slos: readonly (SloSliceSpec & { from: Date; to: Date })[] },
): Promise<(SliTotals & { sloId: string; day: number })[]> {
  const slos = args.slos.filter((s) => s.to > s.from)
  if (slos.length === 0) return []
  const from = new Date(Math.min(...slos.map((s) => s.from.getTime())))
  const to = new Date(Math.max(...slos.map((s) => s.to.getTime())))
  const margin = Math.max(0, ...slos.map((s) => s.sliceSeconds ?? 0))
  const windows = sql`(values ${sql.join(slos.map((s) => sql`(${s.id}::text, ${s.from}::timestamptz, ${s.to}::timestamptz)`))})`
  const where = sql`s.interval_end > ${new Date(from.getTime() - margin * 1000)} and s.interval_start < ${to}`
  const { rows } = await sql<TotalsRow & { day: number }>`
    with ${unitsCte(slos, where)},
    w(slo_id, w_from, w_to) as ${windows},
    weighted as (
      select u.slo_id, u.good, u.total, u.unit_seconds, u.slice_target, ${overlapShare} as share,
        floor(date_part('epoch', greatest(u.unit_start, w.w_from) - w.w_from) / 86400)::int as day
      from units u
      join w on w.slo_id = u.slo_id and u.unit_start < w.w_to and u.unit_end > w.w_from
    )
    select slo_id, day, ${totalsColumns(sql`share`)}
    from weighted
    group by 1, 2
    order by 1, 2`.execute(db)
  return rows.map((r) => ({ sloId: r.slo_id, day: Number(r.day), ...toTotals(r) }))
}
