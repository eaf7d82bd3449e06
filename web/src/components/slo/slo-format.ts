import type { SloItem } from '../../../../server/routes/slos.schema.ts'

export type { SloItem }
export type AlertState = SloItem['alert']
export type BurnWindow = keyof SloItem['burnRates']

const percent = (x: number, digits: number) => `${(x * 100).toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })} %`

/** Decimals that tell an attainment from its objective: 99.95 % against 99.9 % needs two, 96 % against 95 % one. */
export const attainmentDigits = (objective: number): number => (objective >= 0.999 ? 3 : objective >= 0.99 ? 2 : 1)

/** An attainment or objective as a percentage with enough decimals for the objective; null is "—". */
export const formatAttainment = (x: number | null, objective: number): string => (x === null ? '—' : percent(x, attainmentDigits(objective)))

/** Error budget remaining in words: "85 % left", "spent", "overspent by 21 %"; null is "no data". */
export function formatBudgetRemaining(remaining: number | null): string {
  if (remaining === null) return 'no data'
  if (remaining < 0) return `overspent by ${percent(-remaining, 0)}`
  if (remaining === 0) return 'spent'
  return `${percent(remaining, 0)} left`
}

/** Budget consumed in a period (1 = exactly spent) as a percentage of that period's budget. */
export const formatBurn = (burn: number | null): string => (burn === null ? '—' : percent(burn, 0))

/** A burn rate as a multiple of the sustainable pace: "4.3×"; null is "no data". */
export const formatRate = (rate: number | null): string =>
  rate === null ? 'no data' : `${rate.toLocaleString('en-GB', { maximumFractionDigits: 1 })}×`

/** The SRE Workbook thresholds the server alerts on (SloItem.alert), for the legend beside each rate. */
export const BURN_THRESHOLDS: Record<BurnWindow, { rate: number; alert: 'page' | 'ticket' }> = {
  '1h': { rate: 14.4, alert: 'page' },
  '6h': { rate: 6, alert: 'page' },
  '3d': { rate: 1, alert: 'ticket' },
}

export const ALERT_LABEL: Record<AlertState, string> = {
  page: 'Page — budget burning fast',
  ticket: 'Ticket — budget burning steadily',
  ok: 'OK — burning within budget',
  'no-data': 'No data for the burn rates',
}

/** The SLO's window in words: "rolling 28 days", "calendar month". */
export function formatWindow(window: SloItem['window']): string {
  const m = /^(\d+)([mhdwMQy])$/.exec(window.duration)
  const UNITS: Record<string, [string, string]> = { m: ['minute', 'minutes'], h: ['hour', 'hours'], d: ['day', 'days'], w: ['week', 'weeks'], M: ['month', 'months'], Q: ['quarter', 'quarters'], y: ['year', 'years'] }
  const unit = m && UNITS[m[2]!]
  const length = m && unit ? (m[1] === '1' ? unit[0] : `${m[1]} ${unit[1]}`) : window.duration
  return `${window.kind} ${length}`
}
