import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { CsvProblem, CsvRecord } from './csv.ts'
import type { ScopeVerdict } from './scopes.ts'
import { futureProblem, spanOfLabel, type DateSpan } from './period-input.ts'
import type { MeasurementInput } from './write.ts'

/** One column an import reads: the names it may go by (case-insensitive) and whether it must be there. */
export interface ColumnSpec {
  key: string
  /** Accepted header names, lower-case, the preferred one first. */
  names: readonly string[]
  required: boolean
  description: string
}

/** The columns of one kind of import, and what to do with columns it does not know. */
export interface ImportSpec {
  kind: string
  summary: string
  columns: readonly ColumnSpec[]
  /** `reject`: an unknown column is a problem (typos are caught); `ignore`: exports with many columns are fine. */
  otherColumns: 'reject' | 'ignore'
}

/** What every import may need besides the file. */
export interface ImportContext {
  db: Kysely<Database>
  timezone: string
  /** Today's local date. */
  today: string
  scope: (text: string) => ScopeVerdict
}

interface Bound {
  index: number
  /** The header name as written in the file. */
  name: string
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/**
 * A parsed file bound to an import's columns. Reading a cell with a parser either returns the
 * value or records a problem naming the line and column, so one pass finds every problem; scope
 * permission problems are collected apart (they make the answer 403) and reported once per scope.
 */
export class ImportTable {
  private readonly periodLines = new Map<string, number>()
  readonly problems: CsvProblem[] = []
  private readonly columns = new Map<string, Bound>()
  private readonly forbiddenScopes = new Map<string, { problem: CsvProblem; more: number }>()
  private readonly spans = new Map<string, DateSpan | string>()

  constructor(
    readonly spec: ImportSpec,
    header: CsvRecord | null,
    readonly rows: readonly CsvRecord[],
  ) {
    if (!header) {
      this.problems.push({ line: 1, column: null, message: `the file is empty: expected a header line with ${this.expected()}` })
      return
    }
    const seen = new Map<string, string>()
    for (const [index, written] of header.fields.entries()) {
      const name = written.toLowerCase()
      if (name === '') {
        this.problems.push({ line: header.line, column: `column ${index + 1}`, message: 'has no name' })
        continue
      }
      if (seen.has(name)) {
        this.problems.push({ line: header.line, column: written, message: 'appears twice in the header' })
        continue
      }
      seen.set(name, written)
      const col = spec.columns.find((c) => c.names.includes(name))
      if (!col) {
        if (spec.otherColumns === 'reject') this.problems.push({ line: header.line, column: written, message: `unknown column; ${spec.kind} files have ${this.expected()}` })
        continue
      }
      const already = this.columns.get(col.key)
      if (already) {
        this.problems.push({ line: header.line, column: written, message: `"${already.name}" and "${written}" both give the ${col.key}: keep one` })
        continue
      }
      this.columns.set(col.key, { index, name: written })
    }
    for (const col of spec.columns) {
      if (col.required && !this.columns.has(col.key)) {
        const alternatives = col.names.length > 1 ? ` (or ${col.names.slice(1).join(', ')})` : ''
        this.problems.push({ line: header.line, column: col.names[0]!, message: `missing required column${alternatives}: ${col.description}` })
      }
    }
  }

  private expected(): string {
    return this.spec.columns.map((c) => (c.required ? c.names[0] : `[${c.names[0]}]`)).join(', ')
  }

  /** Whether the file has the column. */
  has(key: string): boolean {
    return this.columns.has(key)
  }

  /** The column's name as written in the file (or its preferred name when absent). */
  name(key: string): string {
    return this.columns.get(key)?.name ?? this.spec.columns.find((c) => c.key === key)?.names[0] ?? key
  }

  /** The trimmed cell; undefined when the file has no such column or the row is short. */
  text(row: CsvRecord, key: string): string | undefined {
    const b = this.columns.get(key)
    return b === undefined ? undefined : row.fields[b.index]
  }

  /** Records a problem at the row's line in the column. */
  fail(row: CsvRecord | number, key: string | null, message: string): void {
    this.problems.push({ line: typeof row === 'number' ? row : row.line, column: key === null ? null : this.name(key), message })
  }

  /**
   * A number cell: plain decimal notation with a dot (exponents allowed). Empty → null when not
   * required; undefined when the column is absent or the cell is bad (the problem is recorded).
   */
  number(row: CsvRecord, key: string, rule: { required: boolean; min?: number; above?: number; max?: number }): number | null | undefined {
    const text = this.text(row, key)
    if (text === undefined) return undefined
    if (text === '') {
      if (rule.required) this.fail(row, key, 'is empty: a number is required')
      return rule.required ? undefined : null
    }
    const n = NUMBER.test(text) ? Number(text) : NaN
    if (!Number.isFinite(n)) {
      this.fail(row, key, `"${text.slice(0, 40)}" is not a number (digits with a dot for decimals; no thousands separators or currency signs)`)
      return undefined
    }
    if (rule.min !== undefined && n < rule.min) return this.outOfRange(row, key, n, `≥ ${rule.min}`)
    if (rule.above !== undefined && n <= rule.above) return this.outOfRange(row, key, n, `> ${rule.above}`)
    if (rule.max !== undefined && n > rule.max) return this.outOfRange(row, key, n, `≤ ${rule.max}`)
    return n
  }

  private outOfRange(row: CsvRecord, key: string, n: number, bound: string): undefined {
    this.fail(row, key, `${n} is out of range: must be ${bound}`)
    return undefined
  }

  /** A period label cell (`2026-10`, `2026-Q3`, `2026-W05`) as local dates; it must have started by today. */
  /**
   * Whether `row` is the first for its period and scope; a repeat is reported on its `period`
   * cell, naming the line it repeats (files with one row per period and scope).
   */
  firstForPeriod(row: CsvRecord, scope: string, span: DateSpan & { label: string }): boolean {
    const key = periodKey(scope, span)
    const first = this.periodLines.get(key)
    if (first !== undefined) {
      this.fail(row, 'period', `repeats line ${first} (${span.label}, ${scope}): one row per period and scope`)
      return false
    }
    this.periodLines.set(key, row.line)
    return true
  }

  period(row: CsvRecord, key: string, ctx: ImportContext): (DateSpan & { label: string }) | undefined {
    const text = this.text(row, key)
    if (text === undefined) return undefined
    if (text === '') {
      this.fail(row, key, 'is empty: a period is required')
      return undefined
    }
    let span = this.spans.get(text)
    if (span === undefined) this.spans.set(text, (span = spanOfLabel(text, ctx.timezone)))
    if (typeof span === 'string') {
      this.fail(row, key, span)
      return undefined
    }
    const future = futureProblem(span, ctx.today)
    if (future) {
      this.fail(row, key, future)
      return undefined
    }
    return { ...span, label: text.trim() }
  }

  /** The row's scope key (`org` when the file has no scope column or the cell is empty); undefined when it is invalid or not the caller's. */
  scope(row: CsvRecord, ctx: ImportContext): string | undefined {
    const text = this.text(row, 'scope') || 'org'
    const verdict = ctx.scope(text)
    if (verdict.ok) return verdict.key
    if (!verdict.forbidden) {
      this.fail(row, 'scope', verdict.message)
      return undefined
    }
    const seen = this.forbiddenScopes.get(text)
    if (seen) seen.more++
    else {
      const problem: CsvProblem = { line: row.line, column: this.has('scope') ? this.name('scope') : null, message: verdict.message }
      this.forbiddenScopes.set(text, { problem, more: 0 })
    }
    return undefined
  }

  /** Permission problems, once per scope, with how many more lines name it. */
  forbiddenProblems(): CsvProblem[] {
    return [...this.forbiddenScopes.values()].map(({ problem, more }) => (more > 0 ? { ...problem, message: `${problem.message} (and ${more} more line${more === 1 ? '' : 's'})` } : problem))
  }
}

/** A measurement an import will store, with the line it comes from (the first, when several lines add up to it). */
export type PlannedMeasurement = MeasurementInput & { line: number }

/** One kind of CSV import: its columns, and how its rows become measurements (recording every problem in the table). */
export interface ImportKind {
  spec: ImportSpec
  plan(table: ImportTable, ctx: ImportContext): Promise<PlannedMeasurement[]>
}

/** A key for "one row per period and scope" checks. */
export const periodKey = (scope: string, span: DateSpan) => `${scope}\u0000${span.start}\u0000${span.end}`

/** Sums of money and counts, rounded to 6 decimals so float noise never reaches the database. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6
