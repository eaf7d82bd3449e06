import type { KpiInfo, SeriesItem } from '../api/kpis.ts'

const fixed = (x: number, digits: number) => x.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** A value in its unit as people read it: 12.3 %, 26 h, 9 min, 4.5 d, 1,234. Null is "—". */
export function formatValue(value: number | null | undefined, unit: KpiInfo['unit']): string {
  if (value === null || value === undefined) return '—'
  switch (unit) {
    case 'ratio':
      return `${fixed(value * 100, Math.abs(value) < 0.1 && value !== 0 ? 1 : 0)} %`
    case 'hours':
      if (value < 1) return `${fixed(value * 60, 0)} min`
      return value < 48 ? `${fixed(value, 1)} h` : `${fixed(value / 24, 1)} d`
    case 'days':
      return `${fixed(value, 1)} d`
    case 'count':
      return Number.isInteger(value) ? fixed(value, 0) : fixed(value, 1)
    case 'currency':
      return value >= 100 ? fixed(value, 0) : value.toPrecision(3)
    case 'score':
      return fixed(value, 1)
  }
}

/** The target as a short phrase: `≤ 10 %`, `level ≥ high`, `trend down`, `within ±5 %`. */
export function formatTarget(kpi: Pick<KpiInfo, 'target' | 'unit'>): string {
  const t = kpi.target
  if ('trend' in t) return t.trend === 'down' ? 'trending down' : 'trending up'
  if ('level' in t) return `level ${t.level} or better`
  const op = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' }[t.op]
  if (t.abs) return `within ±${formatValue(t.value, kpi.unit)}`
  return t.of ? `${op} ${t.value} (${t.of.replace(/_/g, ' ')})` : `${op} ${formatValue(t.value, kpi.unit)}`
}

/** A delta as shown: `+2.0 pp`, `−25 %`. */
export function formatDelta(delta: NonNullable<SeriesItem['delta']>): string {
  const sign = delta.value > 0 ? '+' : delta.value < 0 ? '−' : '±'
  const size = Math.abs(delta.value)
  return delta.kind === 'points' ? `${sign}${fixed(size, 1)} pp` : `${sign}${fixed(size, 0)} %`
}

export { CATEGORY_LABEL, STATUS_LABEL } from '../../../server/kpis/labels.ts'

/** The latest period that has ended, else the latest one. */
export function latestComplete(series: readonly SeriesItem[]): SeriesItem | undefined {
  return [...series].reverse().find((s) => !s.partial) ?? series[series.length - 1]
}
