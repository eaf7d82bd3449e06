import { type Static, Type as T } from '@sinclair/typebox'

/*
 * The KPI definition file's contract (DESIGN §5), one YAML file per KPI in kpi-definitions/.
 * Every object rejects unknown fields so a typo is reported instead of silently ignored; the same
 * schema is published as kpi-definitions/kpi-definition.schema.json for editor completion.
 */

const Strict = { additionalProperties: false } as const


const Op = T.Union([T.Literal('<'), T.Literal('<='), T.Literal('>'), T.Literal('>=')], { description: 'one of <, <=, >, >=' })
const Measure = T.String({ pattern: '^[a-z][a-z0-9_]*$', description: 'the name of a measure the formula reports', examples: ['weekly_deploy_days_median'] })

/** `{ op: "<=", value: 0.1 }`: the value (or the named measure) compared with a bound in the KPI's unit. */
const Threshold = T.Object(
  {
    op: Op,
    value: T.Number({ description: 'a bound in the KPI unit', examples: [0.1] }),
    of: T.Optional(Measure),
    abs: T.Optional(T.Boolean({ description: 'compare the absolute value (e.g. spend within ±5 % of budget)' })),
  },
  { ...Strict, description: '{ op: "<=" | "<" | ">=" | ">", value: NUMBER }', examples: [{ op: '<=', value: 0.1 }] },
)
const Level = T.Union([T.Literal('elite'), T.Literal('high'), T.Literal('medium')], { description: 'elite, high or medium' })

const Target = T.Union(
  [
    Threshold,
    T.Object({ trend: T.Union([T.Literal('up'), T.Literal('down')], { description: 'up or down' }) }, { ...Strict, description: '{ trend: up | down }' }),
    T.Object({ level: Level }, { ...Strict, description: '{ level: elite | high | medium }' }),
  ],
  { description: '{ op: "<=", value: NUMBER }, { trend: up | down } or { level: elite | high | medium }', examples: [{ op: '<=', value: 0.1 }] },
)
const Warn = T.Union([Threshold, T.Object({ level: Level }, Strict)], {
  description: '{ op: "<=", value: NUMBER } or { level: elite | high | medium }',
  examples: [{ op: '<=', value: 0.15 }],
})

const LevelBound = T.Union([T.Number(), Threshold], { description: 'a bound in the KPI unit, or { op, value[, of] }', examples: [0.05] })

const ScopeKey = '^(org|team:[a-z0-9][a-z0-9_-]*|service:[^\\s:][^\\s]*|repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)$'

const Override = T.Object(
  { target: T.Optional(Target), warn: T.Optional(Warn), min_sample: T.Optional(T.Integer({ minimum: 0, description: 'a whole number ≥ 0' })) },
  Strict,
)

export const KpiDefinitionSchema = T.Object(
  {
    id: T.String({ pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$', description: 'a stable id family.name', examples: ['dora.change_failure_rate'] }),
    name: T.String({ minLength: 1, description: 'the name shown in the dashboard and reports' }),
    category: T.Union([T.Literal('delivery'), T.Literal('reliability'), T.Literal('quality'), T.Literal('security'), T.Literal('cost'), T.Literal('people'), T.Literal('platform')], { description: 'delivery, reliability, quality, security, cost, people or platform' }),
    description: T.String({ minLength: 1, description: 'one or two sentences: what it measures' }),
    unit: T.Union([T.Literal('ratio'), T.Literal('hours'), T.Literal('days'), T.Literal('count'), T.Literal('currency'), T.Literal('score')], { description: 'ratio, hours, days, count, currency or score' }),
    direction: T.Union([T.Literal('lower_is_better'), T.Literal('higher_is_better')], { description: 'lower_is_better or higher_is_better' }),
    frequency: T.Array(
      T.Union([T.Literal('weekly'), T.Literal('monthly'), T.Literal('quarterly'), T.Literal('semiannual'), T.Literal('annual')], { description: 'weekly, monthly, quarterly, semiannual or annual' }),
      { minItems: 1, description: 'the review cadence', examples: [['monthly']] },
    ),
    source: T.Union([T.Literal('computed'), T.Literal('entered')], { description: 'computed or entered' }),
    formula: T.String({ pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$', description: 'a formula id Meridian knows', examples: ['dora.change_failure_rate'] }),
    computation: T.Optional(T.String({ minLength: 1, description: 'how the value is computed, in words (the "how this is computed" view)' })),
    components: T.Optional(
      T.Array(T.String({ pattern: '^[a-z][a-z0-9_]*$' }), { minItems: 1, maxItems: 4, description: 'names of the entered inputs, e.g. [spend, budget]', examples: [['spend', 'budget']] }),
    ),
    target: Target,
    warn: T.Optional(Warn),
    min_sample: T.Optional(T.Integer({ minimum: 0, description: 'a whole number ≥ 0' })),
    levels: T.Optional(T.Object({ elite: LevelBound, high: LevelBound, medium: LevelBound }, { ...Strict, description: '{ elite, high, medium } bounds' })),
    overrides: T.Optional(T.Record(T.String({ pattern: ScopeKey }), Override, { description: 'per-scope target, warn and min_sample, keyed team:<id>, service:<name>, …' })),
    blueprint: T.Optional(T.Integer({ minimum: 1, maximum: 25, description: "the row of the CTO blueprint's table (1–25)" })),
    board: T.Optional(T.Boolean({ description: 'shown on the board summary' })),
  },
  { ...Strict, $id: 'https://meridian.dev/schemas/kpi-definition.json', title: 'Meridian KPI definition' },
)

export type KpiDefinitionFile = Static<typeof KpiDefinitionSchema>
export type Threshold = Static<typeof Threshold>
export type TargetSpec = Static<typeof Target>
export type WarnSpec = Static<typeof Warn>
export type LevelBoundSpec = Static<typeof LevelBound>
