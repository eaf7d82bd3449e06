/** A problem in an imported file: the line (1-based, the header is line 1), the column's header name (null: the whole line) and why. */
export interface CsvProblem {
  line: number
  column: string | null
  message: string
}

/** One record: the physical line it starts on and its fields, each trimmed of surrounding whitespace. */
export interface CsvRecord {
  line: number
  fields: string[]
}

export interface ParsedCsv {
  /** The first non-blank record (names trimmed, as written); null for an empty file. */
  header: CsvRecord | null
  /** The data records after the header; blank records (every field empty) are left out. */
  rows: CsvRecord[]
  problems: CsvProblem[]
}

const QUOTE = 34
const COMMA = 44
const CR = 13
const LF = 10

const lineBreaks = (s: string) => s.match(/\r\n|\r|\n/g)?.length ?? 0

/**
 * Parses comma-separated text as RFC 4180 describes it: records end with CRLF, LF or CR; a field
 * in double quotes may hold commas, line breaks and doubled quotes (`""` → `"`). Leniencies:
 * a byte-order mark is skipped, whitespace around a quoted field is allowed, and every field is
 * trimmed. A quote inside an unquoted field, text after a closing quote, an unclosed quote and a
 * record whose number of fields differs from the header's are problems, each reported with its
 * line and column; parsing goes on so every problem is found in one pass.
 */
export function parseCsv(input: string): ParsedCsv {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  const records: { line: number; fields: string[] }[] = []
  const raw: { line: number; field: number; message: string }[] = []
  let line = 1
  let i = 0
  const n = text.length
  let fields: string[] = []
  let recordLine = 1

  const endOfLine = (at: number): number => {
    // Returns the index after the line break at `at` (CRLF counts once) and advances the line count.
    line++
    return text.charCodeAt(at) === CR && text.charCodeAt(at + 1) === LF ? at + 2 : at + 1
  }

  while (i <= n) {
    const fieldLine = line
    // Whitespace before an opening quote is allowed (trimmed anyway).
    let j = i
    while (j < n && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++
    let value: string
    if (j < n && text.charCodeAt(j) === QUOTE) {
      let k = j + 1
      let out = ''
      let closed = false
      while (k < n) {
        const q = text.indexOf('"', k)
        const chunk = text.slice(k, q === -1 ? n : q)
        line += lineBreaks(chunk)
        out += chunk
        if (q === -1) {
          k = n
          break
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          out += '"'
          k = q + 2
          continue
        }
        closed = true
        k = q + 1
        break
      }
      if (!closed) raw.push({ line: fieldLine, field: fields.length, message: 'a quoted field is never closed: add the closing double quote' })
      let extra = ''
      while (k < n) {
        const c = text.charCodeAt(k)
        if (c === COMMA || c === CR || c === LF) break
        extra += text[k]
        k++
      }
      if (extra.trim() !== '') raw.push({ line, field: fields.length, message: `text after the closing quote (${JSON.stringify(extra.trim().slice(0, 20))}): put the whole field in quotes` })
      value = out
      i = k
    } else {
      let k = i
      let sawQuote = false
      while (k < n) {
        const c = text.charCodeAt(k)
        if (c === COMMA || c === CR || c === LF) break
        if (c === QUOTE) sawQuote = true
        k++
      }
      if (sawQuote) raw.push({ line, field: fields.length, message: 'a double quote inside an unquoted field: quote the whole field and double the quote ("")' })
      value = text.slice(i, k)
      i = k
    }
    fields.push(value.trim())
    if (i < n && text.charCodeAt(i) === COMMA) {
      i++
      continue
    }
    // End of record: a line break or the end of the text.
    records.push({ line: recordLine, fields })
    fields = []
    if (i >= n) break
    i = endOfLine(i)
    recordLine = line
    if (i >= n) break
  }

  const nonBlank = records.filter((r) => r.fields.some((f) => f !== ''))
  const header = nonBlank[0] ?? null
  const name = (index: number) => (header && index < header.fields.length && header.fields[index] !== '' ? header.fields[index]! : `column ${index + 1}`)
  const problems: CsvProblem[] = raw.map((p) => ({ line: p.line, column: header && p.line >= header.line ? name(p.field) : null, message: p.message }))
  const rows = nonBlank.slice(1).map((r) => ({ line: r.line, fields: r.fields }))
  if (header) {
    const width = header.fields.length
    for (const r of rows) {
      if (r.fields.length > width) problems.push({ line: r.line, column: null, message: `${r.fields.length} fields, but the header has ${width}: quote fields that contain commas` })
      else if (r.fields.length < width) problems.push({ line: r.line, column: null, message: `${r.fields.length} fields, but the header has ${width}: missing ${header.fields.slice(r.fields.length).join(', ')}` })
    }
  }
  problems.sort((a, b) => a.line - b.line)
  return { header: header ? { line: header.line, fields: header.fields } : null, rows, problems }
}
