import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../server/measurements/csv.ts'
import { ImportTable, type ImportSpec } from '../../server/measurements/csv-table.ts'
import { billingDate } from '../../server/measurements/cloud-billing.import.ts'
import { cadenceOf, measurementsBehind, periodValue } from '../../server/metrics/manual.metrics.ts'
import type { MeasurementRow } from '../../server/repositories/kpi/measurements.repository.ts'

const fields = (text: string) => {
  const p = parseCsv(text)
  return { header: p.header?.fields ?? null, rows: p.rows.map((r) => [r.line, ...r.fields]), problems: p.problems }
}

describe('parseCsv (RFC 4180)', () => {
  it.each([
    ['plain LF', 'a,b\n1,2\n', ['a', 'b'], [[2, '1', '2']]],
    ['CRLF, no final line break', 'a,b\r\n1,2\r\n3,4', ['a', 'b'], [[2, '1', '2'], [3, '3', '4']]],
    ['lone CR line breaks', 'a,b\r1,2\r', ['a', 'b'], [[2, '1', '2']]],
    ['a quoted comma', 'a,b\n"1,5",2\n', ['a', 'b'], [[2, '1,5', '2']]],
    ['doubled quotes', 'a,b\n"say ""hi""",x\n', ['a', 'b'], [[2, 'say "hi"', 'x']]],
    ['a line break inside quotes moves later lines down', 'a,b\n"two\r\nlines",x\n3,4\n', ['a', 'b'], [[2, 'two\r\nlines', 'x'], [4, '3', '4']]],
    ['an empty quoted field', 'a,b\n"",x\n', ['a', 'b'], [[2, '', 'x']]],
    ['surrounding whitespace trimmed, also around quotes', ' A , b \n  "1" , 2 \n', ['A', 'b'], [[2, '1', '2']]],
    ['blank lines and all-empty records skipped, line numbers kept', '\na,b\n\n1,2\n,\n3,4\n\n', ['a', 'b'], [[4, '1', '2'], [6, '3', '4']]],
    ['a byte-order mark', '\uFEFFa,b\n1,2', ['a', 'b'], [[2, '1', '2']]],
    ['a trailing empty field', 'a,b\n1,\n', ['a', 'b'], [[2, '1', '']]],
  ] as const)('%s', (_label, text, header, rows) => {
    const p = fields(text)
    expect(p.problems).toEqual([])
    expect(p.header).toEqual(header)
    expect(p.rows).toEqual(rows)
  })

  it('an empty file has no header', () => {
    expect(fields('')).toEqual({ header: null, rows: [], problems: [] })
    expect(fields('\r\n\r\n')).toEqual({ header: null, rows: [], problems: [] })
  })

  it.each([
    ['a quote inside an unquoted field', 'a,b\n1,5"x\n', { line: 2, column: 'b', message: 'a double quote inside an unquoted field: quote the whole field and double the quote ("")' }],
    ['text after a closing quote', 'a,b\n"1"x,2\n', { line: 2, column: 'a', message: 'text after the closing quote ("x"): put the whole field in quotes' }],
    ['an unclosed quote (reported where it opened)', 'a,b\n1,2\n3,"oops\n4,5\n', { line: 3, column: 'b', message: 'a quoted field is never closed: add the closing double quote' }],
    ['too many fields', 'a,b\n1,2,3\n', { line: 2, column: null, message: '3 fields, but the header has 2: quote fields that contain commas' }],
    ['too few fields', 'a,b,c\n1\n', { line: 2, column: null, message: '1 fields, but the header has 3: missing b, c' }],
  ] as const)('reports %s with its line and column', (_label, text, problem) => {
    expect(parseCsv(text).problems).toContainEqual(problem)
  })

  it('reports every problem of the file at once, in line order', () => {
    const p = parseCsv('a,b\n1,2,3\nok,ok\n"x"y,1\n5\n')
    expect(p.problems.map((x) => x.line)).toEqual([2, 4, 5])
  })
})

describe('ImportTable header binding', () => {
  const spec: ImportSpec = {
    kind: 'test',
    summary: 'test',
    otherColumns: 'reject',
    columns: [
      { key: 'date', names: ['date', 'usage_date'], required: true, description: 'the date' },
      { key: 'cost', names: ['cost'], required: true, description: 'the cost' },
      { key: 'scope', names: ['scope'], required: false, description: 'the scope' },
    ],
  }
  const bind = (text: string, s: ImportSpec = spec) => {
    const p = parseCsv(text)
    return new ImportTable(s, p.header, p.rows)
  }

  it('matches header names case-insensitively and keeps their spelling for messages', () => {
    const t = bind(' Usage_Date ,COST\n2026-01-01,1\n')
    expect(t.problems).toEqual([])
    expect([t.name('date'), t.name('cost'), t.has('scope')]).toEqual(['Usage_Date', 'COST', false])
    expect(t.text(t.rows[0]!, 'cost')).toBe('1')
  })

  it('lists an unknown column, a missing required one, a duplicate and two aliases at once', () => {
    const t = bind('date,usage_date,scope,Scope,colour\n')
    expect(t.problems).toEqual([
      { line: 1, column: 'usage_date', message: '"date" and "usage_date" both give the date: keep one' },
      { line: 1, column: 'Scope', message: 'appears twice in the header' },
      { line: 1, column: 'colour', message: 'unknown column; test files have date, cost, [scope]' },
      { line: 1, column: 'cost', message: 'missing required column: the cost' },
    ])
  })

  it('ignores unknown columns when the kind says so (billing exports carry dozens)', () => {
    expect(bind('date,cost,bill/PayerAccountId\n', { ...spec, otherColumns: 'ignore' }).problems).toEqual([])
  })

  it.each([
    ['12.5', 12.5],
    ['-3', -3],
    ['1.2E-5', 0.000012],
    ['.5', 0.5],
    ['12,5', 'not'],
    ['$12', 'not'],
    ['1 000', 'not'],
    ['0x10', 'not'],
    ['Infinity', 'not'],
  ] as const)('reads the number %s', (text, expected) => {
    const t = bind(`date,cost\n2026-01-01,"${text}"\n`)
    const n = t.number(t.rows[0]!, 'cost', { required: true })
    if (expected === 'not') {
      expect(n).toBeUndefined()
      expect(t.problems[0]).toMatchObject({ line: 2, column: 'cost', message: expect.stringContaining('is not a number') })
    } else expect(n).toBe(expected)
  })
})

describe('billing dates in a time zone', () => {
  it.each([
    ['2026-10-31', 'Europe/Berlin', '2026-10-31'],
    ['2026-10-31T23:30:00Z', 'UTC', '2026-10-31'],
    // 23:30 UTC on 31 October is 00:30 on 1 November in Berlin (CET, UTC+1): the next month.
    ['2026-10-31T23:30:00Z', 'Europe/Berlin', '2026-11-01'],
    ['2026-10-31 23:30:00 UTC', 'Europe/Berlin', '2026-11-01'],
    ['2026-11-01T01:00:00+02:00', 'UTC', '2026-10-31'],
    ['2026-11-01T00:00:00.1234567Z', 'America/New_York', '2026-10-31'],
    ['2026-10-31T23:30:00', 'Europe/Berlin', '2026-10-31'],
    ['2026-02-30', 'UTC', null],
    ['31/10/2026', 'UTC', null],
    ['2026-10-31T25:00:00Z', 'UTC', null],
  ] as const)('%s in %s is %s', (text, zone, expected) => {
    expect(billingDate(text, zone)).toBe(expected)
  })
})

describe('entered values per period (pure)', () => {
  let id = 0
  const m = (periodStart: string, periodEnd: string, value: number, components: Record<string, number> | null = null): MeasurementRow => ({
    id: ++id,
    kpiId: 'k.x',
    scope: 'org',
    periodStart,
    periodEnd,
    value,
    components,
    note: null,
    source: 'test',
    enteredBy: 'test',
    enteredAt: new Date('2026-01-01T00:00:00Z'),
  })
  const quarter = { kind: 'quarter' as const, label: '2026-Q1' }

  it.each([
    [{ periodStart: '2026-07-01', periodEnd: '2026-10-01' }, 'quarterly'],
    [{ periodStart: '2026-07-01', periodEnd: '2026-08-01' }, 'monthly'],
    [{ periodStart: '2026-02-02', periodEnd: '2026-02-09' }, 'weekly'],
    [{ periodStart: '2026-01-01', periodEnd: '2027-01-01' }, 'yearly'],
    [{ periodStart: '2026-01-15', periodEnd: '2026-02-15' }, 'for 2026-01-15 – 2026-02-14'],
  ])('cadence of %o is %s', (span, cadence) => {
    expect(cadenceOf(span)).toBe(cadence)
  })

  it('counts only the outermost of nested entries', () => {
    const rows = [m('2026-01-01', '2026-04-01', 1), m('2026-01-01', '2026-02-01', 2), m('2026-02-02', '2026-02-09', 3), m('2026-03-20', '2026-04-20', 4)]
    expect(measurementsBehind(rows, '2026-01-01', '2026-04-01').map((r) => r.value)).toEqual([1])
    expect(measurementsBehind(rows.slice(1), '2026-01-01', '2026-04-01').map((r) => r.value)).toEqual([2, 3])
  })

  it('ratio formulas fall back to the mean of values when an entry lacks components', () => {
    const rows = [m('2026-01-01', '2026-02-01', 0.5, { hired: 1, planned: 2 }), m('2026-02-01', '2026-03-01', 1), m('2026-03-01', '2026-04-01', 0.75, { hired: 3, planned: 4 })]
    // mean of 0.5, 1 and 0.75 = 2.25 / 3 = 0.75
    expect(periodValue({ formula: 'entered.ratio_of_sums', components: ['hired', 'planned'] }, quarter, '2026-01-01', '2026-04-01', rows)).toEqual({
      value: 0.75,
      sampleSize: 3,
      reason: 'mean of the entered values: not every entry has hired and planned',
    })
  })

  it('a zero denominator sum gives no value', () => {
    const rows = [m('2026-01-01', '2026-02-01', 0, { regretted: 0, headcount: 0 }), m('2026-02-01', '2026-04-01', 0, { regretted: 0, headcount: 0 })]
    expect(periodValue({ formula: 'entered.ratio_of_sums', components: ['regretted', 'headcount'] }, quarter, '2026-01-01', '2026-04-01', rows)).toMatchObject({
      value: null,
      sampleSize: 2,
      reason: 'headcount adds up to 0',
    })
  })
})
