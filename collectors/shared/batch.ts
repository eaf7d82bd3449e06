/** PostgreSQL's limit on bind parameters in one statement (the wire protocol counts them in 16 bits). */
export const MAX_BIND_PARAMETERS = 65_535

/** Rows per statement beyond which larger batches stop paying off. */
const MAX_ROWS_PER_BATCH = 5_000

/** The column names used by any of `rows` (kysely inserts the union, filling gaps with DEFAULT). */
export function columnsOf(rows: readonly object[]): string[] {
  const columns = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key)
  return [...columns]
}

/**
 * Splits rows into consecutive batches small enough for one multi-row insert each:
 * rows × columns stays within MAX_BIND_PARAMETERS, and no batch exceeds `maxRows`.
 */
export function toBatches<T extends object>(rows: readonly T[], maxRows = MAX_ROWS_PER_BATCH): T[][] {
  if (rows.length === 0) return []
  const columns = Math.max(1, columnsOf(rows).length)
  const size = Math.max(1, Math.min(maxRows, Math.floor(MAX_BIND_PARAMETERS / columns)))
  const batches: T[][] = []
  for (let i = 0; i < rows.length; i += size) batches.push(rows.slice(i, i + size))
  return batches
}

/**
 * Keeps the last row for each key, in first-seen order. PostgreSQL rejects an upsert that
 * touches the same row twice, and overlapping pages from a vendor API can repeat a row.
 */
export function dedupeBy<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const byKey = new Map<string, T>()
  for (const row of rows) byKey.set(key(row), row)
  return byKey.size === rows.length ? [...rows] : [...byKey.values()]
}
