import type { Kysely } from 'kysely'
import type { AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import type { KpiDefinition } from '../kpis/definition.ts'
import type { Slo } from '../slo/openslo.ts'
import type { Period, PeriodKind } from './periods.ts'
import type { ResolvedScope } from './scope.ts'

/**
 * What a formula computes for one period, before `evaluate` adds status, delta and level.
 * Durations are hours, rates fractions 0–1, counts integers (DESIGN §4).
 */
export interface PeriodValue {
  /** null when there is nothing to measure (status no-data), never 0 for an empty sample. */
  value: number | null
  /** Rows the value is computed from (deployments, changes, incidents, SLOs, measurements, …). */
  sampleSize: number
  /** Share of rows that could be linked, where linkage is involved (0–1, null when nothing to link). */
  coverage?: number | null
  /** Duration KPIs: 75th and 90th percentile and mean beside the median `value`. */
  p75?: number | null
  p90?: number | null
  mean?: number | null
  /** Parts of the value, e.g. lead time's coding / pickup / review / deploy medians (same unit). */
  breakdown?: Record<string, number | null>
  /** Auxiliary measures a definition's levels or targets may read (`of:` in the YAML). */
  measures?: Record<string, number | null>
  /** Why the value is missing or odd, when the formula knows better than "no rows". */
  reason?: string
}

/** Everything a formula may read. The periods are contiguous and ascending. */
export interface MetricContext {
  db: Kysely<Database>
  config: AppConfig
  /** IANA zone the periods are cut in. */
  timezone: string
  period: PeriodKind
  periods: readonly Period[]
  scope: ResolvedScope
  /** The current time (injected clock). */
  now: Date
  /** The OpenSLO SLOs loaded from kpi-definitions/slos. */
  slos: readonly Slo[]
  definition: KpiDefinition
}

/** One row behind a value, as the records API lists it. */
export interface MetricRecord {
  /** deployment | change | incident | issue | alert | workflow_run | slo | measurement | repository */
  type: string
  id: string
  title: string
  /** When it counted (the timestamp that placed it in the period). */
  at: string | null
  /** Link to GitHub, the incident tool, … when known. */
  url: string | null
  /** The value this record contributes (hours for durations, 1/0 for counted rows), if any. */
  value?: number | null
  /** Small, flat facts shown beside it (service, repo, severity, status, method, …). */
  fields: Record<string, string | number | boolean | null>
}

export interface RecordsQuery {
  start: Date
  end: Date
  limit: number
  offset: number
}

export interface RecordsPage {
  total: number
  records: MetricRecord[]
}

/** A computed KPI: its SQL lives in server/repositories, this turns aggregates into values. */
export interface Formula {
  /** The id KPI definitions name in `formula:`. */
  id: string
  /** Names of the `measures` it reports, which a definition's levels or targets may read with `of:`. */
  measures?: readonly string[]
  /** Entered formulas read measurements and need the definition's `components`. */
  entered?: boolean
  /** One value per `ctx.periods` entry, in the same order. */
  compute(ctx: MetricContext): Promise<PeriodValue[]>
  /** The rows behind one period's value, paginated. */
  records?(ctx: MetricContext, query: RecordsQuery): Promise<RecordsPage>
}
