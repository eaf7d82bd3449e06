import type { Insertable, Kysely } from 'kysely'
import type { Database, MeasurementTable } from '../../../server/db/schema.ts'
import { inTransaction } from '../transaction.ts'
import { toBatches } from '../batch.ts'
import { upsertRows } from './upsert.ts'

const KEY = ['kpi_id', 'scope', 'period_start', 'period_end'] as const

type Key = { kpi_id: string; scope: string; period_start: string; period_end: string }
const keyOf = (r: Key) => `${r.kpi_id}\u0000${r.scope}\u0000${r.period_start}\u0000${r.period_end}`

/** JSON with object keys sorted, so equal jsonb values compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  const parsed = typeof value === 'string' ? JSON.parse(value) : value
  return JSON.stringify(parsed, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  )
}

/**
 * Inserts or corrects entered KPI values, keyed by (kpi_id, scope, period_start, period_end).
 * A correction of the value or components appends a measurement_history row (before → after,
 * by the row's entered_by and source) in the same transaction; an identical re-write changes
 * nothing. Returns how many rows were inserted and how many corrected.
 */
export async function upsertMeasurements(
  db: Kysely<Database>,
  rows: readonly Insertable<MeasurementTable>[],
): Promise<{ inserted: number; corrected: number }> {
  if (rows.length === 0) return { inserted: 0, corrected: 0 }
  return inTransaction(db, async (trx) => {
    const before = new Map<string, { value: number; components: unknown }>()
    for (const batch of toBatches(rows, 1_000)) {
      const stored = await trx
        .selectFrom('measurement')
        .select([...KEY, 'value', 'components'])
        .where((eb) =>
          eb(
            eb.refTuple('kpi_id', 'scope', 'period_start', 'period_end'),
            'in',
            batch.map((r) => eb.tuple(r.kpi_id, r.scope, r.period_start, r.period_end)),
          ),
        )
        .forUpdate()
        .execute()
      for (const s of stored) before.set(keyOf(s), { value: s.value, components: s.components })
    }
    const written = await upsertRows(
      trx,
      { table: 'measurement', key: KEY, stamp: 'entered_at', whenChanged: ['value', 'components', 'note'] },
      rows,
      ['id', ...KEY, 'value', 'components', 'entered_by', 'source'],
    )
    let inserted = 0
    const history: Insertable<Database['measurement_history']>[] = []
    for (const w of written) {
      const old = before.get(keyOf(w))
      if (!old) {
        inserted++
        continue
      }
      if (old.value === w.value && canonical(old.components) === canonical(w.components)) continue
      history.push({
        measurement_id: w.id,
        value_before: old.value,
        value_after: w.value,
        components_before: old.components == null ? null : JSON.stringify(old.components),
        components_after: w.components == null ? null : JSON.stringify(w.components),
        changed_by: w.entered_by,
        source: w.source,
      })
    }
    for (const batch of toBatches(history)) await trx.insertInto('measurement_history').values(batch).execute()
    return { inserted, corrected: history.length }
  })
}
