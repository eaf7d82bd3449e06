import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import type { Period, PeriodKind } from '../../metrics/periods.ts'

/** The span a KPI query covers: consecutive periods of one kind in one time zone. */
export interface PeriodRange {
  unit: PeriodKind
  timezone: string
  from: Date
  to: Date
}

/** The range covering `periods` (contiguous, ascending). */
export function rangeOf(periods: readonly Period[], timezone: string): PeriodRange {
  return { unit: periods[0]!.kind, timezone, from: periods[0]!.start, to: periods[periods.length - 1]!.end }
}

/**
 * The start of the period holding `column`, as a timestamptz at local midnight in the range's
 * zone: PostgreSQL's `date_trunc(unit, ts, zone)` (ISO weeks start on Monday), the same instants
 * `periods.ts` computes, so rows and periods meet by `start.getTime()`.
 */
export function periodStart(range: PeriodRange, column: string): RawBuilder<Date> {
  return sql<Date>`date_trunc(${range.unit}, ${sql.ref(column)}, ${range.timezone})`
}

/** `column` in [from, to). */
export function inRange(range: { from: Date; to: Date }, column: string): Expression<SqlBool> {
  return sql<SqlBool>`(${sql.ref(column)} >= ${range.from} and ${sql.ref(column)} < ${range.to})`
}

/** Continuous percentile (PostgreSQL `percentile_cont`) of an expression, as float8 on both drivers. */
export function percentile(fraction: number, expression: RawBuilder<unknown> | string): RawBuilder<number | null> {
  const e = typeof expression === 'string' ? sql.ref(expression) : expression
  return sql<number | null>`(percentile_cont(${sql.lit(fraction)}) within group (order by ${e}))::float8`
}

/** Hours between two timestamptz expressions, as float8 (`date_part` computes in float8; `extract` in slower numeric). */
export function hoursBetween(from: RawBuilder<unknown> | string, to: RawBuilder<unknown> | string): RawBuilder<number> {
  const a = typeof from === 'string' ? sql.ref(from) : from
  const b = typeof to === 'string' ? sql.ref(to) : to
  return sql<number>`(date_part('epoch', ${b} - ${a}) / 3600.0)::float8`
}

/** Rows keyed by the millisecond of their `period` column, for matching to `Period.start`. */
export function byPeriodStart<R extends { period: Date | string }>(rows: readonly R[]): Map<number, R> {
  return new Map(rows.map((r) => [new Date(r.period).getTime(), r]))
}
