import { type Static, Type as T } from '@sinclair/typebox'
import { KpiDefinitionSchema } from '../kpis/definition.schema.ts'
import { AlertState, BurnRates } from './slos.schema.ts'

const Nullable = <S extends ReturnType<typeof T.Number>>(s: S) => T.Union([s, T.Null()])
const NumberOrNull = Nullable(T.Number())
export const DeltaSchema = T.Object({ kind: T.Union([T.Literal('points'), T.Literal('percent')]), value: T.Number(), good: T.Union([T.Boolean(), T.Null()]) })
const DateOrDateTime = T.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
  description: 'an ISO date (local midnight in the configured timezone) or date-time',
  examples: ['2026-01-01'],
})

export const PeriodKindSchema = T.Union([T.Literal('week'), T.Literal('month'), T.Literal('quarter')], { description: 'week (ISO, Monday), month or quarter' })
export const ScopeSchema = T.String({ description: 'org, team:<id>, service:<name> or repo:<owner>/<name>', examples: ['org', 'team:payments'] })

export const KpiQuery = T.Object(
  {
    period: T.Optional(PeriodKindSchema),
    scope: T.Optional(ScopeSchema),
    from: T.Optional(DateOrDateTime),
    to: T.Optional(DateOrDateTime),
    category: T.Optional(KpiDefinitionSchema.properties.category),
    ids: T.Optional(T.String({ description: 'comma-separated KPI ids', examples: ['dora.lead_time,dora.change_failure_rate'] })),
    compare: T.Optional(T.Union([T.Literal('previous'), T.Literal('year')], { description: 'previous (default: `delta` against the previous period) or year (adds `comparison` with the same period a year earlier)' })),
  },
  { additionalProperties: false },
)
export type KpiQuery = Static<typeof KpiQuery>

export const KpiInfo = T.Object({
  id: T.String(),
  name: T.String(),
  category: KpiDefinitionSchema.properties.category,
  description: T.String(),
  computation: T.Union([T.String(), T.Null()]),
  unit: KpiDefinitionSchema.properties.unit,
  direction: KpiDefinitionSchema.properties.direction,
  frequency: KpiDefinitionSchema.properties.frequency,
  source: KpiDefinitionSchema.properties.source,
  formula: T.String(),
  components: T.Union([T.Array(T.String()), T.Null()]),
  /** The target that applies in the requested scope (a scope override wins). */
  target: KpiDefinitionSchema.properties.target,
  warn: T.Union([KpiDefinitionSchema.properties.warn, T.Null()]),
  minSample: T.Integer(),
  levels: T.Union([KpiDefinitionSchema.properties.levels, T.Null()]),
  blueprint: T.Union([T.Integer(), T.Null()]),
  board: T.Boolean(),
  /** The target comes from an override for this scope. */
  overridden: T.Boolean(),
})
export type KpiInfo = Static<typeof KpiInfo>

export const StatusSchema = T.Union([T.Literal('on-track'), T.Literal('at-risk'), T.Literal('off-track'), T.Literal('no-data'), T.Literal('low-confidence')])
export const LevelSchema = T.Union([T.Literal('elite'), T.Literal('high'), T.Literal('medium'), T.Literal('low')])

export const SeriesItem = T.Object({
  start: T.String({ format: 'date-time' }),
  end: T.String({ format: 'date-time' }),
  /** 2026-W05, 2026-10 or 2026-Q3. */
  label: T.String(),
  /** The period has not ended yet. */
  partial: T.Boolean(),
  value: NumberOrNull,
  sampleSize: T.Integer(),
  coverage: T.Optional(NumberOrNull),
  status: StatusSchema,
  level: T.Optional(T.Union([LevelSchema, T.Null()])),
  delta: T.Optional(T.Union([DeltaSchema, T.Null()])),
  /** With compare=year: the same period a year earlier and the change since. */
  comparison: T.Optional(T.Object({ label: T.String(), value: NumberOrNull, delta: T.Union([DeltaSchema, T.Null()]) })),
  p75: T.Optional(NumberOrNull),
  p90: T.Optional(NumberOrNull),
  mean: T.Optional(NumberOrNull),
  breakdown: T.Optional(T.Record(T.String(), NumberOrNull)),
  measures: T.Optional(T.Record(T.String(), NumberOrNull)),
  reason: T.Optional(T.Union([T.String(), T.Null()])),
})
export type SeriesItem = Static<typeof SeriesItem>

export const KpiEntry = T.Object({
  kpi: KpiInfo,
  series: T.Array(SeriesItem),
  /** Set when this KPI could not be computed; the others still are. */
  error: T.Optional(T.String()),
})
export type KpiEntry = Static<typeof KpiEntry>

const RangeFields = {
  scope: T.String(),
  period: PeriodKindSchema,
  timezone: T.String(),
  from: T.String({ format: 'date-time', description: 'start of the first period' }),
  to: T.String({ format: 'date-time', description: 'end of the last period (exclusive)' }),
}

export const KpiListResponse = T.Object({ ...RangeFields, kpis: T.Array(KpiEntry) })
export type KpiListResponse = Static<typeof KpiListResponse>

export const KpiResponse = T.Object({
  ...RangeFields,
  kpi: KpiInfo,
  series: T.Array(SeriesItem),
  /** SLO KPIs: the burn rates over 1 h, 6 h and 3 d and the alert state of each SLO in scope, as of now. */
  current: T.Optional(T.Array(T.Object({ sloId: T.String(), service: T.String(), burnRates: BurnRates, alert: AlertState }))),
})
export type KpiResponse = Static<typeof KpiResponse>

export const KpiParams = T.Object({ id: T.String({ pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$' }) })

export const RecordsQuery = T.Object(
  {
    start: DateOrDateTime,
    end: DateOrDateTime,
    scope: T.Optional(ScopeSchema),
    period: T.Optional(PeriodKindSchema),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 500, default: 50 })),
    offset: T.Optional(T.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
)
export type RecordsQuery = Static<typeof RecordsQuery>

export const MetricRecordSchema = T.Object({
  type: T.String(),
  id: T.String(),
  title: T.String(),
  at: T.Union([T.String(), T.Null()]),
  url: T.Union([T.String(), T.Null()]),
  value: T.Optional(NumberOrNull),
  fields: T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean(), T.Null()])),
})

export const RecordsResponse = T.Object({
  kpi: T.String(),
  scope: T.String(),
  start: T.String({ format: 'date-time' }),
  end: T.String({ format: 'date-time' }),
  total: T.Integer(),
  limit: T.Integer(),
  offset: T.Integer(),
  records: T.Array(MetricRecordSchema),
  /** Query string of the next page, null on the last one. */
  next: T.Union([T.String(), T.Null()]),
})
export type RecordsResponse = Static<typeof RecordsResponse>
