import type { KpiListResponse, SeriesItem } from '../routes/kpis.schema.ts'
import type { KpiInfo } from '../routes/kpis.schema.ts'

const BARS = '▁▂▃▄▅▆▇█'

/** A value in its unit, as people read it: 12.3 %, 26.0 h, 4 d, 17. */
export function formatValue(value: number | null | undefined, unit: KpiInfo['unit']): string {
  if (value === null || value === undefined) return '—'
  switch (unit) {
    case 'ratio':
      return `${(value * 100).toFixed(1)} %`
    case 'hours':
      return `${value.toFixed(1)} h`
    case 'days':
      return `${value.toFixed(1)} d`
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(1)
    case 'currency':
      return value >= 100 ? value.toFixed(0) : value.toPrecision(3)
    case 'score':
      return value.toFixed(1)
  }
}

/** The target as a short phrase: `≤ 10.0 %`, `level ≥ high`, `trend down`. */
export function formatTarget(kpi: KpiInfo): string {
  const t = kpi.target
  if ('trend' in t) return `trend ${t.trend}`
  if ('level' in t) return `level ≥ ${t.level}`
  const op = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' }[t.op]
  return `${t.abs ? '±' : ''}${op} ${t.of ? `${t.value} (${t.of})` : formatValue(t.value, kpi.unit)}`
}

function formatDelta(item: SeriesItem): string {
  if (!item.delta) return ''
  const sign = item.delta.value > 0 ? '+' : ''
  return item.delta.kind === 'points' ? `${sign}${item.delta.value.toFixed(1)} pp` : `${sign}${item.delta.value.toFixed(0)} %`
}

/** A one-line sparkline of the series' values (gaps for no-data). */
export function sparkline(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null)
  if (present.length === 0) return ''
  const min = Math.min(...present)
  const max = Math.max(...present)
  return values.map((v) => (v === null ? ' ' : BARS[max === min ? 3 : Math.round(((v - min) / (max - min)) * (BARS.length - 1))])).join('')
}

/** The latest period that has ended, else the latest one. */
export function latestComplete(series: readonly SeriesItem[]): SeriesItem | undefined {
  return [...series].reverse().find((s) => !s.partial) ?? series[series.length - 1]
}

/**
 * The KPI list as a terminal table: one row per KPI with the latest completed period's value,
 * target, status, delta, level, sample size, coverage and a sparkline of the whole series —
 * the same numbers GET /api/kpis returns for the same query.
 */
export function formatKpiTable(result: KpiListResponse): string {
  const rows: string[][] = [['KPI', 'Period', 'Value', 'Target', 'Status', 'Δ', 'Level', 'n', 'Coverage', 'Trend']]
  for (const k of result.kpis) {
    const item = latestComplete(k.series)
    if (k.error !== undefined || !item) {
      rows.push([k.kpi.name, '', 'error', formatTarget(k.kpi), k.error ?? 'no periods', '', '', '', '', ''])
      continue
    }
    rows.push([
      k.kpi.name,
      item.label,
      formatValue(item.value, k.kpi.unit),
      formatTarget(k.kpi),
      item.status,
      formatDelta(item),
      item.level ?? '',
      String(item.sampleSize),
      item.coverage === undefined || item.coverage === null ? '' : `${(item.coverage * 100).toFixed(0)} %`,
      sparkline(k.series.map((s) => s.value)),
    ])
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)))
  const line = (r: string[]) => r.map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length)).join('  ').trimEnd()
  const header = `${result.scope} · ${result.period} · ${result.from.slice(0, 10)} … ${result.to.slice(0, 10)} (${result.timezone})`
  return [header, '', line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}
