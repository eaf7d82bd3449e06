import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { toMeasurementRow, type MeasurementRow } from '../repositories/kpi/measurements.repository.ts'

/** One value to store for a KPI, scope and period (`YYYY-MM-DD`, end exclusive). */
export interface MeasurementInput {
  kpiId: string
  scope: string
  periodStart: string
  periodEnd: string
  value: number
  components: Record<string, number> | null
  note: string | null
}

/** Who writes and through what (`api`, `csv`, …), stamped on new rows and corrections. */
export interface WriteContext {
  actor: string
  source: string
  now: Date
}

/** What a write did to one measurement. */
export type WriteOutcome = 'created' | 'updated' | 'unchanged'

/** One input's outcome. */
export interface WriteResult {
  outcome: WriteOutcome
  /** The row as stored after the write. */
  row: MeasurementRow
  /** The row before the write (updated and unchanged only). */
  before: MeasurementRow | null
}

const keyOf = (r: { kpiId: string; scope: string; periodStart: string; periodEnd: string }) => `${r.kpiId}\u0000${r.scope}\u0000${r.periodStart}\u0000${r.periodEnd}`

/** Components compare by name and value, whatever their key order. */
function sameComponents(a: Record<string, number> | null, b: Record<string, number> | null): boolean {
  if (a === null || b === null) return a === b
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k])
}

const json = (c: Record<string, number> | null) => (c === null ? null : JSON.stringify(c))
const COLUMNS = ['id', 'kpi_id', 'scope', 'period_start', 'period_end', 'value', 'components', 'note', 'source', 'entered_by', 'entered_at'] as const

async function storedRows(trx: Transaction<Database>, inputs: readonly MeasurementInput[]): Promise<Map<string, MeasurementRow>> {
  const out = new Map<string, MeasurementRow>()
  for (let i = 0; i < inputs.length; i += 1_000) {
    const batch = inputs.slice(i, i + 1_000)
    const rows = await trx
      .selectFrom('measurement')
      .select(COLUMNS)
      .where((eb) => eb(eb.refTuple('kpi_id', 'scope', 'period_start', 'period_end'), 'in', batch.map((r) => eb.tuple(r.kpiId, r.scope, r.periodStart, r.periodEnd))))
      .forUpdate()
      .execute()
    for (const r of rows) {
      const m = toMeasurementRow(r)
      out.set(keyOf(m), m)
    }
  }
  return out
}

/**
 * Stores measurements keyed by (kpi, scope, period), inside the caller's transaction: a new key is
 * inserted (entered_by/entered_at = this write); a stored one whose value, components or note
 * differ is corrected in place — entered_by/entered_at keep the first entry — and a change of
 * value or components appends a `measurement_history` row (before → after, by whom, when, source);
 * an identical write changes nothing. Returns one result per input, in order (inputs must have
 * distinct keys).
 */
export async function writeMeasurements(trx: Transaction<Database>, inputs: readonly MeasurementInput[], ctx: WriteContext): Promise<WriteResult[]> {
  if (inputs.length === 0) return []
  const stored = await storedRows(trx, inputs)
  const fresh = inputs.filter((i) => !stored.has(keyOf(i)))
  for (let i = 0; i < fresh.length; i += 1_000) {
    const inserted = await trx
      .insertInto('measurement')
      .values(
        fresh.slice(i, i + 1_000).map((m) => ({
          kpi_id: m.kpiId,
          scope: m.scope,
          period_start: m.periodStart,
          period_end: m.periodEnd,
          value: m.value,
          components: json(m.components),
          note: m.note,
          source: ctx.source,
          entered_by: ctx.actor,
          entered_at: ctx.now,
        })),
      )
      .onConflict((oc) => oc.columns(['kpi_id', 'scope', 'period_start', 'period_end']).doNothing())
      .returning(COLUMNS)
      .execute()
    for (const r of inserted) {
      const m = toMeasurementRow(r)
      stored.set(keyOf(m), m)
    }
  }
  const created = new Set(fresh.map(keyOf).filter((k) => stored.has(k)))
  // A concurrent writer may have inserted a key between our read and insert: it is then a correction.
  const raced = fresh.filter((i) => !stored.has(keyOf(i)))
  if (raced.length > 0) for (const [k, m] of await storedRows(trx, raced)) stored.set(k, m)

  const results: WriteResult[] = []
  const history: { measurement_id: number; value_before: number; value_after: number; components_before: string | null; components_after: string | null; changed_by: string; changed_at: Date; source: string }[] = []
  for (const input of inputs) {
    const key = keyOf(input)
    const before = stored.get(key)!
    if (created.has(key)) {
      results.push({ outcome: 'created', row: before, before: null })
      continue
    }
    const valueChanged = before.value !== input.value || !sameComponents(before.components, input.components)
    if (!valueChanged && before.note === input.note) {
      results.push({ outcome: 'unchanged', row: before, before })
      continue
    }
    const updated = await trx
      .updateTable('measurement')
      .set({ value: input.value, components: json(input.components), note: input.note })
      .where('id', '=', before.id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow()
    if (valueChanged) {
      history.push({
        measurement_id: before.id,
        value_before: before.value,
        value_after: input.value,
        components_before: json(before.components),
        components_after: json(input.components),
        changed_by: ctx.actor,
        changed_at: ctx.now,
        source: ctx.source,
      })
    }
    results.push({ outcome: 'updated', row: toMeasurementRow(updated), before })
  }
  for (let i = 0; i < history.length; i += 1_000) await trx.insertInto('measurement_history').values(history.slice(i, i + 1_000)).execute()
  return results
}

/** Runs `fn` in a transaction (or inside the caller's). */
export async function inTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>)
  return db.transaction().execute(fn)
}
