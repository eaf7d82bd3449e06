import { type Static, type TSchema, Type as T } from '@sinclair/typebox'

const Nullable = <S extends TSchema>(schema: S) => T.Union([schema, T.Null()])
const DateTime = T.String({ format: 'date-time' })

export const SlosQuery = T.Object({
  period: T.Union([T.Literal('week'), T.Literal('month'), T.Literal('quarter')], { default: 'month', description: 'calendar periods in the configured time zone' }),
  scope: T.String({ default: 'org', maxLength: 300, description: 'org, team:<id>, service:<name> or repo:<owner>/<name>' }),
  from: T.Optional(T.String({ format: 'date', description: 'first day (inclusive, local date); default: 12 periods ending with the current one' })),
  to: T.Optional(T.String({ format: 'date', description: 'last day (exclusive, local date); default: now' })),
})
export type SlosQuery = Static<typeof SlosQuery>

export const SloPeriodItem = T.Object({
  label: T.String({ description: '2026-10, 2026-Q3 or 2026-W05' }),
  start: DateTime,
  end: DateTime,
  attainment: Nullable(T.Number({ description: 'good ÷ total events (Occurrences), good slice time ÷ slice time (Timeslices), mean slice ratio (RatioTimeslices); null without data' })),
  burn: Nullable(T.Number({ description: 'error budget consumed ÷ budget for the period (1 = exactly spent)' })),
  met: Nullable(T.Boolean()),
  good: Nullable(T.Number({ description: 'good events' })),
  total: Nullable(T.Number({ description: 'all events' })),
})

export const BurnRates = T.Object({
  '1h': Nullable(T.Number()),
  '6h': Nullable(T.Number()),
  '3d': Nullable(T.Number()),
})

export const AlertState = T.Union([T.Literal('page'), T.Literal('ticket'), T.Literal('ok'), T.Literal('no-data')], {
  description: 'SRE Workbook multi-window burn-rate alert: page at 14.4× over 1 h or 6× over 6 h, ticket at 1× over 3 days',
})

export const SloItem = T.Object({
  id: T.String(),
  name: T.String({ description: 'displayName, else the id' }),
  description: Nullable(T.String()),
  service: T.String(),
  objective: T.Object({
    displayName: Nullable(T.String()),
    target: T.Number({ description: 'fraction 0–1' }),
    timeSliceTarget: Nullable(T.Number()),
    timeSliceMinutes: Nullable(T.Number()),
  }),
  budgetingMethod: T.Union([T.Literal('Occurrences'), T.Literal('Timeslices'), T.Literal('RatioTimeslices')]),
  window: T.Object({ kind: T.Union([T.Literal('rolling'), T.Literal('calendar')]), duration: T.String({ description: 'OpenSLO duration, e.g. 28d or 1M' }) }),
  series: T.Array(SloPeriodItem),
  current: T.Object(
    {
      start: DateTime,
      end: DateTime,
      attainment: Nullable(T.Number()),
      budgetUnit: T.Union([T.Literal('events'), T.Literal('minutes')]),
      budgetTotal: Nullable(T.Number({ description: 'bad events (or slice minutes) the objective allows so far' })),
      budgetConsumed: Nullable(T.Number()),
      budgetRemaining: Nullable(T.Number({ description: '1 − consumed ÷ total: 1 untouched, 0 spent, negative overspent' })),
      burnDown: T.Array(T.Object({ at: DateTime, remaining: Nullable(T.Number()) })),
    },
    { description: "the SLO's own window (rolling or calendar) containing now, up to now" },
  ),
  burnRates: BurnRates,
  alert: AlertState,
})
export type SloItem = Static<typeof SloItem>

export const SlosResponse = T.Object({
  period: T.String(),
  scope: T.String(),
  timezone: T.String(),
  periods: T.Array(T.Object({ label: T.String(), start: DateTime, end: DateTime })),
  slos: T.Array(SloItem),
})
export type SlosResponse = Static<typeof SlosResponse>
