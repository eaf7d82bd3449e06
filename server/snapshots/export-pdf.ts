import PDFDocument from 'pdfkit'
import type { SeriesItem } from '../routes/kpis.schema.ts'
import type { SnapshotDocument, SnapshotKpi } from '../routes/snapshots.schema.ts'
import { canonicalJson, sha256Hex } from './canonical-json.ts'
import { boardKpis, byCategory, currentOf, formatCoverage, formatDelta, formatInstant, formatTarget, formatValue, statusLabel } from './format.ts'

type Doc = PDFKit.PDFDocument

const PAGE = { width: 595.28, height: 841.89 }
const MARGIN = 40
const CONTENT_WIDTH = PAGE.width - 2 * MARGIN
/** Content stops here; the footer goes below. */
const BOTTOM = PAGE.height - 48
const FONT = 'Helvetica'
const BOLD = 'Helvetica-Bold'
const INK = '#1f2328'
const MUTED = '#59636e'
const RULE = '#d1d9e0'
const STATUS_COLOURS: Record<SeriesItem['status'], string> = {
  'on-track': '#1a7f37',
  'at-risk': '#9a6700',
  'off-track': '#cf222e',
  'no-data': '#818b98',
  'low-confidence': '#5a6fd6',
}

const REPLACEMENTS: Record<string, string> = { '≤': '<=', '≥': '>=', Δ: 'Change ', '→': '->', '←': '<-', '−': '-', '✓': 'ok', '\u00a0': ' ' }

/**
 * Text the standard 14 fonts can show (WinAnsi): ≤ and ≥ become <= and >=, accents outside
 * Latin-1 are dropped, anything else unknown becomes "?". Latin-1, – — … • € stay as they are.
 */
export function pdfText(s: string): string {
  let out = ''
  for (const ch of s.replace(/[≤≥Δ→←−✓\u00a0]/g, (c) => REPLACEMENTS[c]!)) {
    const code = ch.codePointAt(0)!
    if (code < 0x100 || '–—‘’‚“”„†‡•…€‰‹›ˆ™ŒœŠšŸŽžƒ˜'.includes(ch)) out += ch
    else {
      const base = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
      out += [...base].every((c) => c.codePointAt(0)! < 0x100) && base.length > 0 ? base : '?'
    }
  }
  return out
}

interface TextOptions {
  font?: string
  size?: number
  colour?: string
  width?: number
  height?: number
  align?: 'left' | 'right' | 'center'
  lines?: number
}

/** Writes text in a box that never spills onto a new page: clipped to `lines` (with …) or to `height`. */
function put(doc: Doc, text: string, x: number, y: number, o: TextOptions = {}): number {
  const size = o.size ?? 9
  doc.font(o.font ?? FONT).fontSize(size).fillColor(o.colour ?? INK)
  const width = o.width ?? CONTENT_WIDTH
  const lineHeight = doc.currentLineHeight(true)
  const height = o.height ?? lineHeight * (o.lines ?? 1) + 0.5
  const safe = pdfText(text)
  doc.text(safe, x, y, { width, height, align: o.align ?? 'left', ellipsis: true })
  return Math.min(doc.heightOfString(safe, { width }), height)
}

const measure = (doc: Doc, text: string, width: number, font: string, size: number) => doc.font(font).fontSize(size).heightOfString(pdfText(text), { width })

function rule(doc: Doc, y: number, x = MARGIN, width = CONTENT_WIDTH): void {
  doc.moveTo(x, y).lineTo(x + width, y).lineWidth(0.5).strokeColor(RULE).stroke()
}

/** A status as a coloured dot and its word (colour is never the only signal). */
function statusMark(doc: Doc, status: SeriesItem['status'] | null, x: number, y: number, width: number, size = 8): void {
  const colour = status ? STATUS_COLOURS[status] : STATUS_COLOURS['no-data']
  doc.circle(x + 3, y + size * 0.45, 2.6).fillColor(colour).fill()
  put(doc, status ? statusLabel(status) : 'Error', x + 9, y, { size, width: width - 9, colour: INK })
}

interface ChartBox {
  x: number
  y: number
  width: number
  height: number
}

/** The y range a series (and its target, when it is a number in the same unit) is drawn over. */
function rangeOf(values: readonly (number | null)[], target: number | null): [number, number] {
  const xs = values.filter((v): v is number => v !== null)
  if (target !== null) xs.push(target)
  if (xs.length === 0) return [0, 1]
  let lo = Math.min(...xs)
  let hi = Math.max(...xs)
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1
    lo -= pad
    hi += pad
  }
  if (lo > 0 && lo < (hi - lo) * 0.5) lo = 0
  return [lo, hi]
}

const numericTarget = (k: SnapshotKpi): number | null => {
  const t = k.kpi.target
  return 'op' in t && !t.of && !t.abs ? t.value : null
}

/** A line through the series' values as vector paths, broken where a period has no value. */
function drawLine(doc: Doc, box: ChartBox, series: readonly SeriesItem[], lo: number, hi: number, lineWidth: number, colour: string): { x: number; y: number }[] {
  const n = series.length
  const step = n > 1 ? box.width / (n - 1) : 0
  const points = series.map((s, i) => (s.value === null ? null : { x: box.x + (n > 1 ? i * step : box.width / 2), y: box.y + box.height - ((s.value - lo) / (hi - lo)) * box.height }))
  let open = false
  for (const p of points) {
    if (!p) {
      open = false
      continue
    }
    if (open) doc.lineTo(p.x, p.y)
    else doc.moveTo(p.x, p.y)
    open = true
  }
  doc.lineWidth(lineWidth).lineJoin('round').lineCap('round').strokeColor(colour).stroke()
  return points.filter((p): p is { x: number; y: number } => p !== null)
}

/** A small trend line of the 13 periods with the latest point marked in its status colour. */
function sparkline(doc: Doc, k: SnapshotKpi, box: ChartBox): void {
  const values = k.series.map((s) => s.value)
  if (values.every((v) => v === null)) {
    put(doc, 'no data', box.x, box.y + box.height / 2 - 4, { size: 7, colour: MUTED, width: box.width })
    return
  }
  const [lo, hi] = rangeOf(values, null)
  drawLine(doc, box, k.series, lo, hi, 1, MUTED)
  const last = k.series[k.series.length - 1]!
  if (last.value !== null) {
    const n = k.series.length
    const x = box.x + (n > 1 ? box.width : box.width / 2)
    const y = box.y + box.height - ((last.value - lo) / (hi - lo)) * box.height
    doc.circle(x, y, 2).fillColor(STATUS_COLOURS[last.status]).fill()
  }
}

/** A trend chart with axes, the target as a dashed line, period labels and a hollow point for a partial period. */
function trendChart(doc: Doc, k: SnapshotKpi, box: ChartBox): void {
  const values = k.series.map((s) => s.value)
  const target = numericTarget(k)
  const [lo, hi] = rangeOf(values, target)
  const plot = { x: box.x + 48, y: box.y + 4, width: box.width - 56, height: box.height - 18 }
  doc.rect(plot.x, plot.y, plot.width, plot.height).lineWidth(0.5).strokeColor(RULE).stroke()
  put(doc, formatValue(hi, k.kpi.unit), box.x, plot.y - 2, { size: 6, colour: MUTED, width: 44, align: 'right' })
  put(doc, formatValue(lo, k.kpi.unit), box.x, plot.y + plot.height - 6, { size: 6, colour: MUTED, width: 44, align: 'right' })
  if (target !== null) {
    const y = plot.y + plot.height - ((target - lo) / (hi - lo)) * plot.height
    doc.moveTo(plot.x, y).lineTo(plot.x + plot.width, y).dash(3, { space: 2 }).lineWidth(0.7).strokeColor(STATUS_COLOURS['on-track']).stroke()
    doc.undash()
  }
  const n = k.series.length
  const step = n > 1 ? plot.width / (n - 1) : 0
  for (const [i, s] of k.series.entries()) {
    const x = plot.x + (n > 1 ? i * step : plot.width / 2)
    if (i % 2 === (n - 1) % 2) put(doc, s.label, x - 18, plot.y + plot.height + 3, { size: 5.5, colour: MUTED, width: 36, align: 'center' })
  }
  if (values.every((v) => v === null)) {
    put(doc, 'no data in these periods', plot.x, plot.y + plot.height / 2 - 4, { size: 7, colour: MUTED, width: plot.width, align: 'center' })
    return
  }
  const points = drawLine(doc, plot, k.series, lo, hi, 1.2, INK)
  let p = 0
  for (const s of k.series) {
    if (s.value === null) continue
    const { x, y } = points[p++]!
    const colour = STATUS_COLOURS[s.status]
    if (s.partial) doc.circle(x, y, 2.2).lineWidth(0.8).strokeColor(colour).stroke()
    else doc.circle(x, y, 2.2).fillColor(colour).fill()
  }
}

const valueText = (k: SnapshotKpi) => {
  const item = currentOf(k)
  return k.error !== undefined || !item ? 'error' : formatValue(item.value, k.kpi.unit)
}

function header(doc: Doc, snapshot: SnapshotDocument, subtitle: string): number {
  put(doc, `${snapshot.organisation}  ·  ${subtitle}`, MARGIN, MARGIN, { size: 8, colour: MUTED })
  return MARGIN + 14
}

/** Page 1: title, commentary, the board KPIs with sparklines and notes, freshness and caveats in brief. */
function summaryPage(doc: Doc, s: SnapshotDocument): void {
  let y = header(doc, s, `Board report · ${s.period.label}`)
  y += put(doc, s.title, MARGIN, y, { font: BOLD, size: 17, lines: 2 }) + 4
  y += put(doc, `Scope ${s.scope}  ·  ${s.period.kind} ${s.period.label} (${s.period.start.slice(0, 10)} to ${s.period.end.slice(0, 10)}, ${s.timezone})  ·  taken ${formatInstant(s.takenAt)} by ${s.takenBy}`, MARGIN, y, { size: 8, colour: MUTED, lines: 2 }) + 6
  if (s.period.partial) {
    doc.rect(MARGIN, y, CONTENT_WIDTH, 16).fillColor('#fff8c5').fill()
    put(doc, `Partial period: ${s.period.label} had not ended when this snapshot was taken; its values will still change in later snapshots.`, MARGIN + 6, y + 4, { size: 8, font: BOLD, width: CONTENT_WIDTH - 12 })
    y += 22
  }
  if (s.commentary) {
    let size = 10
    while (size > 7 && measure(doc, s.commentary, CONTENT_WIDTH - 14, FONT, size) > 190) size -= 0.5
    const h = Math.min(measure(doc, s.commentary, CONTENT_WIDTH - 14, FONT, size), 190)
    doc.rect(MARGIN, y, 2.5, h + 4).fillColor('#0969da').fill()
    put(doc, s.commentary, MARGIN + 12, y + 2, { size, width: CONTENT_WIDTH - 14, height: h + 1 })
    y += h + 14
  }

  const board = boardKpis(s)
  const cols = { name: MARGIN, value: MARGIN + 138, target: MARGIN + 198, status: MARGIN + 262, trend: MARGIN + 334, note: MARGIN + 406 }
  const noteWidth = MARGIN + CONTENT_WIDTH - cols.note
  put(doc, 'Board KPIs', MARGIN, y, { font: BOLD, size: 11 })
  y += 16
  for (const [label, x, w, align] of [
    ['KPI', cols.name, 134, 'left'], ['Value', cols.value, 56, 'right'], ['Target', cols.target + 6, 60, 'left'], ['Status', cols.status, 70, 'left'],
    ['Trend (13 periods)', cols.trend, 70, 'left'], ['Note', cols.note, noteWidth, 'left'],
  ] as const) put(doc, label, x, y, { size: 7, font: BOLD, colour: MUTED, width: w, align })
  y += 11
  rule(doc, y)
  const footerSpace = 96
  const rowHeight = Math.max(22, Math.min(30, (BOTTOM - footerSpace - y) / Math.max(1, board.length)))
  if (board.length === 0) {
    put(doc, 'No KPI is marked for the board (board: true in its definition).', MARGIN, y + 6, { size: 9, colour: MUTED })
    y += 24
  }
  for (const k of board) {
    const item = currentOf(k)
    const top = y + 4
    put(doc, k.kpi.name, cols.name, top, { font: BOLD, size: 8.5, width: 134, lines: 2 })
    put(doc, valueText(k), cols.value, top, { font: BOLD, size: 9, width: 56, align: 'right' })
    put(doc, formatTarget(k.kpi), cols.target + 6, top, { size: 8, width: 60, colour: MUTED })
    statusMark(doc, k.error !== undefined ? null : (item?.status ?? null), cols.status, top, 72)
    sparkline(doc, k, { x: cols.trend, y: top, width: 64, height: rowHeight - 10 })
    put(doc, k.note, cols.note, top, { size: 6.5, width: noteWidth, height: rowHeight - 5, colour: MUTED })
    y += rowHeight
    rule(doc, y)
  }

  y += 8
  const fresh = s.freshness.length === 0 ? 'no source had been collected' : s.freshness.map((f) => `${f.source} (${f.scope}) ${f.status}${f.lastSuccessAt ? `, last success ${formatInstant(f.lastSuccessAt)}` : ''}`).join('; ')
  y += put(doc, `Data freshness: ${fresh}.`, MARGIN, y, { size: 7, colour: MUTED, height: 20 }) + 3
  const caveats = s.caveats.length === 0 ? 'Caveats: none.' : `Caveats: ${s.caveats.join(' ')}`
  put(doc, `${caveats} Details, charts and definitions: appendix.`, MARGIN, y, { size: 7, colour: MUTED, height: Math.max(10, BOTTOM - y) })
}

/** The height one KPI's appendix block needs. */
function blockHeight(doc: Doc, k: SnapshotKpi): number {
  return 30 + 84 + measure(doc, definitionText(k), CONTENT_WIDTH, FONT, 7.5) + 14
}

const definitionText = (k: SnapshotKpi) => `${k.kpi.description}${k.kpi.computation ? ` ${k.kpi.computation}` : ''}`

function kpiBlock(doc: Doc, k: SnapshotKpi, y: number): number {
  const item = currentOf(k)
  put(doc, k.kpi.name, MARGIN, y, { font: BOLD, size: 10.5, width: CONTENT_WIDTH - 150 })
  put(doc, k.kpi.id, MARGIN + CONTENT_WIDTH - 150, y + 2, { size: 7, colour: MUTED, width: 150, align: 'right' })
  y += 15
  const facts = k.error !== undefined || !item
    ? [`Could not be computed: ${k.error ?? 'no periods'}`]
    : [
        `Value ${formatValue(item.value, k.kpi.unit)}`,
        `target ${formatTarget(k.kpi)}${k.kpi.overridden ? ' (scope override)' : ''}`,
        statusLabel(item.status),
        ...(item.level ? [`level ${item.level}`] : []),
        ...(item.delta ? [`change ${formatDelta(item.delta)}`] : []),
        `n = ${item.sampleSize}`,
        ...(formatCoverage(item.coverage) ? [`coverage ${formatCoverage(item.coverage)}`] : []),
        ...(item.p75 !== undefined && item.p75 !== null ? [`p75 ${formatValue(item.p75, k.kpi.unit)}`] : []),
        ...(item.p90 !== undefined && item.p90 !== null ? [`p90 ${formatValue(item.p90, k.kpi.unit)}`] : []),
      ]
  if (item && k.error === undefined) doc.circle(MARGIN + 3, y + 3.6, 2.6).fillColor(STATUS_COLOURS[item.status]).fill()
  put(doc, facts.join('  ·  '), MARGIN + (item && k.error === undefined ? 9 : 0), y, { size: 8, width: CONTENT_WIDTH - 9 })
  y += 15
  trendChart(doc, k, { x: MARGIN, y, width: CONTENT_WIDTH, height: 80 })
  y += 84
  y += put(doc, definitionText(k), MARGIN, y, { size: 7.5, colour: MUTED, height: 200 })
  return y + 14
}

/** One or more pages per category: each KPI's figures, trend chart and definition. */
function categoryPages(doc: Doc, s: SnapshotDocument): void {
  for (const group of byCategory(s)) {
    doc.addPage()
    let y = header(doc, s, `Appendix · ${group.label}`)
    y += put(doc, `Appendix: ${group.label}`, MARGIN, y, { font: BOLD, size: 14 }) + 8
    for (const k of group.kpis) {
      if (y + blockHeight(doc, k) > BOTTOM) {
        doc.addPage()
        y = header(doc, s, `Appendix · ${group.label} (continued)`) + 6
      }
      y = kpiBlock(doc, k, y)
      rule(doc, y - 8)
    }
  }
}

/** The last page: freshness per source, every caveat, and what the snapshot is. */
function notesPage(doc: Doc, s: SnapshotDocument): void {
  doc.addPage()
  let y = header(doc, s, 'Appendix · Data freshness and caveats')
  y += put(doc, 'Data freshness', MARGIN, y, { font: BOLD, size: 14 }) + 8
  const cols = [MARGIN, MARGIN + 90, MARGIN + 170, MARGIN + 225, MARGIN + 330]
  for (const [i, label] of ['Source', 'Scope', 'Status', 'Last success', 'Last error'].entries()) put(doc, label, cols[i]!, y, { size: 7.5, font: BOLD, colour: MUTED, width: 100 })
  y += 11
  rule(doc, y)
  y += 3
  if (s.freshness.length === 0) y += put(doc, 'No source had been collected.', MARGIN, y, { size: 8 }) + 4
  for (const f of s.freshness) {
    if (y > BOTTOM - 200) break
    put(doc, f.source, cols[0]!, y, { size: 8, width: 86 })
    put(doc, f.scope, cols[1]!, y, { size: 8, width: 76 })
    put(doc, f.status, cols[2]!, y, { size: 8, width: 52 })
    put(doc, formatInstant(f.lastSuccessAt), cols[3]!, y, { size: 8, width: 100 })
    const h = put(doc, f.lastError ? `${formatInstant(f.lastErrorAt)}: ${f.lastError}` : '', cols[4]!, y, { size: 7, width: MARGIN + CONTENT_WIDTH - cols[4]!, lines: 3 })
    y += Math.max(12, h + 3)
  }
  y += 14
  y += put(doc, 'Caveats', MARGIN, y, { font: BOLD, size: 14 }) + 6
  if (s.caveats.length === 0) y += put(doc, 'None.', MARGIN, y, { size: 8.5 }) + 4
  for (const c of s.caveats) {
    if (y > BOTTOM - 90) break
    y += put(doc, `•  ${c}`, MARGIN, y, { size: 8.5, height: Math.min(60, BOTTOM - 90 - y + 12) }) + 4
  }
  y += 14
  y += put(doc, 'About this snapshot', MARGIN, y, { font: BOLD, size: 11 }) + 4
  const about =
    `Frozen at ${formatInstant(s.takenAt)} by ${s.takenBy} with Meridian ${s.meridianVersion} at KPI data version ${s.dataVersion}; ` +
    `periods are calendar ${s.period.kind}s in ${s.timezone}, from ${s.from.slice(0, 10)} to ${s.to.slice(0, 10)} (exclusive). ` +
    'Collecting more data or changing targets afterwards never alters this document: it is drawn from the frozen JSON alone. ' +
    `Snapshot ${s.id}; content hash (sha256 of its .json export) ${sha256Hex(canonicalJson(s))}.`
  put(doc, about, MARGIN, y, { size: 8, colour: MUTED, height: Math.max(12, BOTTOM - y) })
}

/**
 * The snapshot as a PDF drawn with vectors and the standard Helvetica fonts: page 1 the board
 * summary (board KPIs with value, target, status, sparkline and a note; the commentary; freshness
 * and caveats in brief), then an appendix page per category with trend charts and definitions,
 * and a page of data freshness and caveats. Deterministic: the same document gives the same bytes
 * (creation date = the snapshot's taken-at time; the file id derives from it).
 */
export function exportPdf(s: SnapshotDocument): Promise<Buffer> {
  const takenAt = new Date(s.takenAt)
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: 20 },
    bufferPages: true,
    compress: true,
    displayTitle: true,
    lang: 'en',
    info: {
      Title: pdfText(s.title),
      Author: pdfText(s.organisation),
      Subject: pdfText(`Board report ${s.period.label}, scope ${s.scope}`),
      Creator: 'Meridian',
      Producer: `Meridian ${s.meridianVersion} (PDFKit)`,
      CreationDate: takenAt,
      ModDate: takenAt,
    },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  summaryPage(doc, s)
  categoryPages(doc, s)
  notesPage(doc, s)
  const range = doc.bufferedPageRange()
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i)
    rule(doc, PAGE.height - 36)
    put(doc, `${s.title}  ·  ${s.scope}  ·  ${s.period.label}  ·  snapshot ${s.id}`, MARGIN, PAGE.height - 30, { size: 6.5, colour: MUTED, width: CONTENT_WIDTH - 60 })
    put(doc, `page ${i + 1} of ${range.count}`, MARGIN + CONTENT_WIDTH - 60, PAGE.height - 30, { size: 6.5, colour: MUTED, width: 60, align: 'right' })
  }
  doc.end()
  return done
}
