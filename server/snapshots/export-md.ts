import { sparkline } from '../kpis/format-table.ts'
import type { SnapshotDocument, SnapshotKpi } from '../routes/snapshots.schema.ts'
import { canonicalJson, sha256Hex } from './canonical-json.ts'
import { boardKpis, byCategory, currentOf, formatCoverage, formatDelta, formatInstant, formatTarget, formatValue, statusLabel } from './format.ts'

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*[\r\n]+\s*/g, ' ').trim()
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`
const table = (head: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]) => [
  row(head),
  `|${head.map((_, i) => (align?.[i] === 'r' ? ' ---: ' : ' --- ')).join('|')}|`,
  ...rows.map(row),
]

const valueOf = (k: SnapshotKpi) => {
  const item = currentOf(k)
  return k.error !== undefined || !item ? 'error' : formatValue(item.value, k.kpi.unit)
}
const statusOf = (k: SnapshotKpi) => {
  const item = currentOf(k)
  return k.error !== undefined || !item ? 'Error' : statusLabel(item.status)
}

/** The header lines every export shows: organisation, scope, period, when and by whom. */
export function headerLine(doc: SnapshotDocument): string {
  return `${doc.organisation} · scope ${doc.scope} · ${doc.period.kind} ${doc.period.label}${doc.period.partial ? ' (partial: not ended)' : ''} · taken ${formatInstant(doc.takenAt)} by ${doc.takenBy}`
}

/**
 * The snapshot as Markdown for a board pack: the summary table of the board KPIs (value, target,
 * status, trend, note), the commentary, data freshness and caveats, then an appendix per category
 * with every KPI's latest values, its 13-period series and its definition.
 */
export function exportMarkdown(doc: SnapshotDocument): string {
  const out: string[] = [`# ${cell(doc.title)}`, '', headerLine(doc), '']
  if (doc.commentary) out.push(...doc.commentary.split(/\r?\n/).map((l) => `> ${l}`.trimEnd()), '')
  out.push('## Board summary', '')
  const board = boardKpis(doc)
  if (board.length === 0) out.push('_No KPI is marked for the board._')
  else {
    out.push(
      ...table(
        ['KPI', 'Value', 'Target', 'Status', 'Trend', 'Note'],
        board.map((k) => [k.kpi.name, valueOf(k), formatTarget(k.kpi), statusOf(k), sparkline(k.series.map((s) => s.value)), k.note]),
        ['l', 'r', 'l', 'l', 'l', 'l'],
      ),
    )
  }
  out.push('', '## Data freshness', '')
  if (doc.freshness.length === 0) out.push('_No source had been collected._')
  else {
    out.push(
      ...table(
        ['Source', 'Scope', 'Status', 'Last success', 'Last error'],
        doc.freshness.map((f) => [f.source, f.scope, f.status, formatInstant(f.lastSuccessAt), f.lastError ? `${formatInstant(f.lastErrorAt)}: ${f.lastError}` : '']),
      ),
    )
  }
  out.push('', '## Caveats', '')
  out.push(...(doc.caveats.length === 0 ? ['_None._'] : doc.caveats.map((c) => `- ${c.replace(/\s*[\r\n]+\s*/g, ' ')}`)))
  out.push('', '## Appendix')
  for (const group of byCategory(doc)) {
    out.push('', `### ${group.label}`, '')
    out.push(
      ...table(
        ['KPI', 'Value', 'Target', 'Status', 'Level', 'Δ', 'n', 'Coverage'],
        group.kpis.map((k) => {
          const item = currentOf(k)
          return [k.kpi.name, valueOf(k), formatTarget(k.kpi), statusOf(k), item?.level ?? '', formatDelta(item?.delta ?? null), item ? String(item.sampleSize) : '', formatCoverage(item?.coverage)]
        }),
        ['l', 'r', 'l', 'l', 'l', 'r', 'r', 'r'],
      ),
    )
    const labels = group.kpis.find((k) => k.series.length > 0)?.series.map((s) => s.label) ?? []
    if (labels.length > 0) {
      out.push('', `#### ${group.label}: ${labels.length} periods`, '')
      out.push(
        ...table(
          ['KPI', ...labels],
          group.kpis.map((k) => [k.kpi.name, ...labels.map((l) => formatValue(k.series.find((s) => s.label === l)?.value ?? null, k.kpi.unit))]),
          ['l', ...labels.map(() => 'r' as const)],
        ),
      )
    }
    out.push('', `#### ${group.label}: definitions`, '')
    for (const k of group.kpis) {
      out.push(`- **${cell(k.kpi.name)}** (\`${k.kpi.id}\`, ${k.kpi.unit}, ${k.kpi.direction.replace(/_/g, ' ')}): ${cell(k.kpi.description)}${k.kpi.computation ? ` ${cell(k.kpi.computation)}` : ''}`)
    }
  }
  out.push('', '---', '', `Snapshot ${doc.id} · content hash (sha256 of the .json export) ${sha256Hex(canonicalJson(doc))} · Meridian ${doc.meridianVersion} · data version ${doc.dataVersion} · periods in ${doc.timezone}`, '')
  return out.join('\n')
}
