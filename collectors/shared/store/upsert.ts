import type { Expression, ExpressionBuilder, Kysely } from 'kysely'
import type { Database } from '../../../server/db/schema.ts'
import { columnsOf, dedupeBy, toBatches } from '../batch.ts'

type Refs = Record<string, Expression<unknown>>

/** How one table is upserted: its natural key and what a conflicting row does. */
export interface UpsertSpec {
  table: keyof Database & string
  /** The natural unique key the conflict is detected on. */
  key: readonly string[]
  /** `ignore`: keep the stored row. Default: update it from the new one. */
  onConflict?: 'update' | 'ignore'
  /** Columns never updated once stored (besides the key). */
  keep?: readonly string[]
  /** Extra or replacing assignments for the update set (e.g. first-write-wins rules). */
  set?: (eb: ExpressionBuilder<any, any>) => Refs
  /** The column stamped with `excluded.<stamp>` (now() unless given) on every update; null: none. */
  stamp?: 'collected_at' | 'linked_at' | 'entered_at' | null
  /** Update only when one of these columns differs from the stored row (else leave it, stamp included). */
  whenChanged?: readonly string[]
}

/** An update set assigning each column its `excluded.<column>` value. */
export function fromExcluded(eb: ExpressionBuilder<any, any>, columns: readonly string[]): Refs {
  return Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)]))
}

const keyPart = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v))

/**
 * Inserts rows in multi-row batches, resolving conflicts on the spec's natural key; returns the
 * `returning` columns of every row written (inserted or updated; none for ignored conflicts).
 * On update, columns the rows leave out keep their stored values, so the rows of one call
 * should carry the same columns; the stamp column (`collected_at`) takes its `excluded` value.
 */
export async function upsertRows<R extends object, C extends string = never>(
  db: Kysely<Database>,
  spec: UpsertSpec,
  rows: readonly R[],
  returning: readonly C[] = [],
): Promise<Record<C, any>[]> {
  if (rows.length === 0) return []
  const unique = dedupeBy(rows, (r) => spec.key.map((k) => keyPart((r as Record<string, unknown>)[k])).join('\u0000'))
  const stamp = spec.stamp === undefined ? 'collected_at' : spec.stamp
  const skip = new Set([...spec.key, ...(spec.keep ?? []), 'id', stamp])
  const columns = columnsOf(unique).filter((c) => !skip.has(c))
  const watched = spec.whenChanged?.filter((c) => columns.includes(c))
  const ignore = spec.onConflict === 'ignore' || watched?.length === 0
  if (stamp) columns.push(stamp)
  const out: Record<C, any>[] = []
  for (const batch of toBatches(unique)) {
    let query = (db as Kysely<any>)
      .insertInto(spec.table)
      .values(batch)
      .onConflict((oc) => {
        const target = oc.columns(spec.key as string[])
        if (ignore) return target.doNothing()
        const update = target.doUpdateSet((eb) => ({ ...fromExcluded(eb, columns), ...spec.set?.(eb) }))
        if (!watched) return update
        return update.where((eb) => eb.or(watched.map((c) => eb(`${spec.table}.${c}`, 'is distinct from', eb.ref(`excluded.${c}`)))))
      })
    if (returning.length > 0) query = query.returning([...returning] as string[]) as typeof query
    const result = await query.execute()
    if (returning.length > 0) out.push(...(result as unknown as Record<C, any>[]))
  }
  return out
}

/** The (source, external_id) key most tables are upserted on. */
export const SOURCE_KEY = ['source', 'external_id'] as const

/** external_id → id of the rows written. */
export function idsByExternalId(rows: readonly { id: number; external_id: string }[]): Map<string, number> {
  return new Map(rows.map((r) => [r.external_id, r.id]))
}
