import { type Static, Type as T } from '@sinclair/typebox'

const DateText = (description: string) => T.String({ format: 'date', description: `${description} (YYYY-MM-DD)`, examples: ['2026-07-01'] })
const Components = T.Record(T.String({ pattern: '^[a-z][a-z0-9_]*$' }), T.Number({ minimum: 0, maximum: 1e15 }), {
  additionalProperties: false,
  maxProperties: 4,
  description: "the KPI definition's components, each a number ≥ 0 (the second, a denominator, > 0), e.g. { spend: 120000, budget: 100000 }",
  examples: [{ spend: 120000, budget: 100000 }],
})
const StoredComponents = T.Union([T.Record(T.String(), T.Number()), T.Null()])

/** The body of POST /api/measurements. */
export const MeasurementBody = T.Object(
  {
    kpi: T.String({ pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$', maxLength: 100, description: 'an entered KPI id (source: entered)', examples: ['cost.cloud_spend_vs_budget'] }),
    scope: T.String({ minLength: 1, maxLength: 300, description: 'org, team:<id>, service:<name> or repo:<owner>/<name>; a team member may write only team:<its team>', examples: ['org'] }),
    period: T.Optional(T.String({ minLength: 1, maxLength: 20, description: 'a month (2026-10), quarter (2026-Q3) or ISO week (2026-W05); or give start and end', examples: ['2026-Q3'] })),
    start: T.Optional(DateText('first day of the period, instead of period')),
    end: T.Optional(DateText('the day after the last day of the period (exclusive)')),
    value: T.Optional(
      T.Number({ minimum: -1e15, maximum: 1e15, description: "the value in the KPI's unit; leave it out for KPIs computed from components (it is derived from them)" }),
    ),
    components: T.Optional(Components),
    note: T.Optional(T.String({ maxLength: 2000, description: 'why, source of the figure, … (empty clears it)' })),
  },
  { additionalProperties: false, description: 'One entered value. Posting the same kpi, scope and period again corrects it (the history keeps the old value).' },
)
export type MeasurementBody = Static<typeof MeasurementBody>

/** One correction: the value and components before → after, who, when and through what. */
export const MeasurementHistoryEntry = T.Object({
  valueBefore: T.Union([T.Number(), T.Null()]),
  valueAfter: T.Number(),
  componentsBefore: StoredComponents,
  componentsAfter: StoredComponents,
  changedBy: T.String(),
  changedAt: T.String({ format: 'date-time' }),
  source: T.String({ description: 'api, csv, demo, …' }),
})

/** A stored entered value with its corrections. */
export const Measurement = T.Object({
  id: T.Integer(),
  kpi: T.String(),
  scope: T.String(),
  periodStart: T.String({ description: 'first day (YYYY-MM-DD)' }),
  periodEnd: T.String({ description: 'the day after the last day (exclusive, YYYY-MM-DD)' }),
  value: T.Number(),
  components: StoredComponents,
  note: T.Union([T.String(), T.Null()]),
  source: T.String({ description: 'how it was first entered: api, csv, demo, …' }),
  enteredBy: T.String({ description: 'who entered it first' }),
  enteredAt: T.String({ format: 'date-time' }),
  history: T.Array(MeasurementHistoryEntry, { description: 'corrections, newest first' }),
})
export type Measurement = Static<typeof Measurement>

/** What a write did: created, updated (corrected) or unchanged. */
export const WriteOutcome = T.Union([T.Literal('created'), T.Literal('updated'), T.Literal('unchanged')])

/** The answer to POST /api/measurements. */
export const MeasurementWritten = T.Object({ outcome: WriteOutcome, measurement: Measurement })

/** Filters of GET /api/measurements. */
export const MeasurementQuery = T.Object(
  {
    kpi: T.Optional(T.String({ maxLength: 100 })),
    scope: T.Optional(T.String({ maxLength: 300 })),
    from: T.Optional(DateText('measurements whose period ends after this date')),
    to: T.Optional(DateText('measurements whose period starts before this date (exclusive)')),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 200 })),
    offset: T.Optional(T.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
)

/** The answer to GET /api/measurements: one page and the total matching. */
export const MeasurementList = T.Object({ total: T.Integer(), measurements: T.Array(Measurement) })

/** `:kind` of POST /api/import/:kind, one of the given kinds. */
export const ImportParams = (kinds: readonly string[]) =>
  T.Object({ kind: T.Unsafe<string>({ type: 'string', enum: [...kinds], description: `one of ${kinds.join(', ')}` }) }, { additionalProperties: false })

/** The answer to a successful import: counts and the measurements written. */
export const ImportResult = T.Object({
  kind: T.String(),
  rows: T.Integer({ description: 'data lines read' }),
  created: T.Integer(),
  updated: T.Integer({ description: 'corrected (the history keeps the old values)' }),
  unchanged: T.Integer(),
  measurements: T.Array(
    T.Object({
      kpi: T.String(),
      scope: T.String(),
      periodStart: T.String(),
      periodEnd: T.String(),
      value: T.Number(),
      components: StoredComponents,
      outcome: WriteOutcome,
    }),
  ),
})
