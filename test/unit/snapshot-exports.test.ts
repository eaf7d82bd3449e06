import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../server/measurements/csv.ts'
import type { KpiInfo, SeriesItem } from '../../server/routes/kpis.schema.ts'
import { SNAPSHOT_FORMAT, type SnapshotDocument, type SnapshotKpi } from '../../server/routes/snapshots.schema.ts'
import { canonicalJson, sha256Hex } from '../../server/snapshots/canonical-json.ts'
import { compareSnapshots } from '../../server/snapshots/compare.ts'
import { CSV_COLUMNS, exportCsv, targetText } from '../../server/snapshots/export-csv.ts'
import { exportMarkdown } from '../../server/snapshots/export-md.ts'
import { exportPdf, pdfText } from '../../server/snapshots/export-pdf.ts'
import { noteOf } from '../../server/snapshots/freeze.ts'
import { keepPdfArtefacts, pdfToText } from '../support/pdf.ts'

const LABELS = ['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']

function info(over: Partial<KpiInfo> & Pick<KpiInfo, 'id' | 'name'>): KpiInfo {
  return {
    category: 'reliability', description: 'A KPI for tests.', computation: null, unit: 'ratio', direction: 'lower_is_better', frequency: ['monthly'], source: 'computed',
    formula: over.id, components: null, target: { op: '<=', value: 0.1 }, warn: null, minSample: 1, levels: null, blueprint: null, board: true, overridden: false, ...over,
  }
}

function series(values: readonly (number | null)[], status: SeriesItem['status'] = 'on-track'): SeriesItem[] {
  return values.map((value, i) => ({
    start: `${LABELS[i]}-01T00:00:00.000Z`, end: `${LABELS[i + 1] ?? '2026-11'}-01T00:00:00.000Z`, label: LABELS[i]!, partial: false, value, sampleSize: value === null ? 0 : 10 + i,
    status: value === null ? 'no-data' : status,
  }))
}

function kpi(k: Omit<SnapshotKpi, 'note'>): SnapshotKpi {
  return { ...k, note: noteOf(k) }
}

const CFR = kpi({ kpi: info({ id: 'dora.change_failure_rate', name: 'Change failure rate', category: 'delivery' }), series: series([0.1, 0.12, null, 0.08, 0.05, 0.07, 0.06, 0.09, 0.11, 0.04, 0.06, 0.05, 0.0625]) })
CFR.series[12]!.delta = { kind: 'points', value: 1.25, good: false }
CFR.series[12]!.coverage = 0.5
CFR.note = noteOf(CFR)
const LEAD = kpi({
  kpi: info({ id: 'dora.lead_time', name: 'Lead time, for "changes" | p50', category: 'delivery', unit: 'hours', target: { op: '<', value: 24 }, board: false, description: 'Commit to production; median ≥ 0.' }),
  series: series([30, 28, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16.5]),
})
const ATTRITION = kpi({ kpi: info({ id: 'people.regretted_attrition', name: 'Regretted attrition', category: 'people', source: 'entered', target: { trend: 'down' } }), series: series(Array(13).fill(null)) })

const DOC: SnapshotDocument = {
  format: SNAPSHOT_FORMAT,
  id: 'snap-0123456789ab',
  title: 'Board pack — October',
  commentary: 'Line one, with "quotes" and ≤ 5 % spend.\nLine two | with a pipe.',
  organisation: 'Acme',
  demo: false,
  scope: 'org',
  timezone: 'UTC',
  period: { label: '2026-10', kind: 'month', start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z', partial: false },
  from: '2025-10-01T00:00:00.000Z',
  to: '2026-11-01T00:00:00.000Z',
  takenAt: '2026-11-02T09:30:00.000Z',
  takenBy: 'local',
  meridianVersion: '0.1.0',
  dataVersion: '7',
  freshness: [{ source: 'github', scope: 'acme', status: 'fresh', lastSuccessAt: '2026-11-02T09:00:00.000Z', lastErrorAt: null, lastError: null }],
  caveats: ['No data for 2026-10: Regretted attrition.'],
  kpis: [CFR, LEAD, ATTRITION],
}

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined, so the bytes do not depend on build order', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: undefined, x: null }], c: 'é' } })).toBe('{"a":{"c":"é","d":[{"x":null,"z":1}]},"b":1}')
    expect(canonicalJson(JSON.parse(canonicalJson(DOC)))).toBe(canonicalJson(DOC))
  })
})

describe('notes', () => {
  it.each([
    ['a value with a delta and coverage', CFR, '+1.3 pp vs 2026-09 (worse); n = 22; coverage 50 %'],
    ['no value', ATTRITION, 'Nothing to measure in this period'],
  ])('%s', (_, k, note) => {
    expect(k.note).toBe(note)
  })
})

describe('pdfText', () => {
  it.each([
    ['≤ 10.0 %', '<= 10.0 %'],
    ['level ≥ high', 'level >= high'],
    ['±5 % – “quoted” … • €', '±5 % – “quoted” … • €'],
    ['Ωmega café', '?mega café'],
    ['Łódź', '?ódz'],
  ])('%s → %s', (input, output) => {
    expect(pdfText(input)).toBe(output)
  })
})

describe('CSV export', () => {
  it('writes one row per KPI × period that parses back to the same numbers', () => {
    const csv = exportCsv(DOC)
    expect(csv.endsWith('\r\n')).toBe(true)
    const parsed = parseCsv(csv)
    expect(parsed.problems).toEqual([])
    expect(parsed.header!.fields).toEqual([...CSV_COLUMNS])
    expect(parsed.rows).toHaveLength(3 * 13)
    const at = (c: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(c)
    const last = parsed.rows[12]!.fields
    expect([last[at('kpi_name')], last[at('period')], last[at('value')], last[at('target')], last[at('delta_value')], last[at('coverage')]]).toEqual(['Change failure rate', '2026-10', '0.0625', '<= 0.1', '1.25', '0.5'])
    expect(parsed.rows[13]!.fields[at('kpi_name')]).toBe('Lead time, for "changes" | p50')
    expect(parsed.rows[2]!.fields[at('value')]).toBe('')
    expect(parsed.rows.slice(13, 26).map((r) => Number(r.fields[at('value')]))).toEqual(LEAD.series.map((s) => s.value))
  })

  it.each([
    [{ op: '<=', value: 0.1 }, '<= 0.1'],
    [{ op: '<=', value: 0.05, abs: true }, 'abs <= 0.05'],
    [{ op: '>=', value: 0.9, of: 'attainment' }, '>= 0.9 of attainment'],
    [{ trend: 'down' }, 'trend down'],
    [{ level: 'high' }, 'level >= high'],
  ] as const)('target %j is %s', (target, text) => {
    expect(targetText({ target: target as KpiInfo['target'] })).toBe(text)
  })
})

describe('Markdown export', () => {
  it('has the board summary table with the board KPIs only, escaped cells, and the hash', () => {
    const md = exportMarkdown(DOC)
    const lines = md.split('\n')
    expect(lines[0]).toBe('# Board pack — October')
    const i = lines.indexOf('## Board summary')
    expect(lines.slice(i + 2, i + 5)).toEqual([
      '| KPI | Value | Target | Status | Trend | Note |',
      '| --- | ---: | --- | --- | --- | --- |',
      '| Change failure rate | 6.3 % | ≤ 10.0 % | On track | ▆█ ▅▂▄▃▅▇▁▃▂▃ | +1.3 pp vs 2026-09 (worse); n = 22; coverage 50 % |',
    ])
    expect(lines[i + 5]).toBe('| Regretted attrition | — | trend down | No data |  | Nothing to measure in this period |')
    expect(lines[i + 6]).toBe('')
    expect(md).toContain('> Line one, with "quotes" and ≤ 5 % spend.\n> Line two | with a pipe.')
    expect(md).toContain('| Lead time, for "changes" \\| p50 | 16.5 h | < 24.0 h | On track |')
    expect(md).toContain(sha256Hex(canonicalJson(DOC)))
  })
})

describe('PDF export', () => {
  it('is byte-identical on every export, dated at the taken-at time', async () => {
    const [a, b] = await Promise.all([exportPdf(DOC), exportPdf(structuredClone(DOC))])
    expect(a.equals(b)).toBe(true)
    expect(a.toString('latin1')).toContain('(D:20261102093000Z)')
  })

  it('holds every KPI name and value and the commentary as text pdftotext reads', async () => {
    const pdf = await exportPdf(DOC)
    const text = pdfToText(pdf)
    for (const s of ['Change failure rate', 'Lead time, for "changes" | p50', 'Regretted attrition', '6.3 %', '16.5 h', '<= 10.0 %', 'Line one, with "quotes" and <= 5 % spend. Line two | with a pipe.', 'Appendix: Delivery', 'Appendix: People']) {
      expect(text).toContain(s)
    }
    keepPdfArtefacts(pdf, 'snapshots', 'unit-fixture', { lastPage: 1 })
  })
})

describe('compareSnapshots', () => {
  it('reports what moved, by how much and status changes', () => {
    const later = structuredClone(DOC)
    later.kpis[0]!.series[12] = { ...later.kpis[0]!.series[12]!, value: 0.125, status: 'off-track' }
    later.kpis[1]!.series[12] = { ...later.kpis[1]!.series[12]!, value: 33 }
    later.kpis[1]!.kpi.target = { op: '<', value: 48 }
    later.kpis.pop()
    const cmp = compareSnapshots(DOC, later)
    expect(cmp.kpis.map((k) => [k.id, k.change, k.moved, k.statusChanged, k.targetChanged])).toEqual([
      ['dora.change_failure_rate', { kind: 'points', value: 6.25, good: false }, true, true, false],
      ['dora.lead_time', { kind: 'percent', value: 100, good: false }, true, false, true],
    ])
    expect(cmp.onlyInA).toEqual(['people.regretted_attrition'])
    expect(cmp.summary).toEqual({ moved: 2, improved: 0, worsened: 2, statusChanges: 1 })
  })
})
