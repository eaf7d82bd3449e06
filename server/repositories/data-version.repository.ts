import { AsyncLocalStorage } from 'node:async_hooks'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

/** Values precomputed for the version a publish creates (see publishDataVersion). */
export interface PrecomputedValues {
  key: string
  fingerprint: string
  values: string
  computedAt: Date
}

/** A batch of writes whose bumps are held back until it ends (see deferBumps). */
interface Deferral {
  pending: boolean
}
const deferral = new AsyncLocalStorage<Deferral>()

/**
 * Marks KPI inputs as changed. Call after the write has committed (never inside its transaction):
 * a reader that sees the new version then also sees the new rows. Inside `deferBumps` the bump
 * is only noted; the batch publishes once when it ends.
 */
export async function bumpDataVersion(db: Kysely<Database>): Promise<void> {
  const batch = deferral.getStore()
  if (batch) {
    batch.pending = true
    return
  }
  await db
    .updateTable('data_version_state')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .execute()
}

/**
 * Runs `fn` with the data-version bumps of every write inside it held back, and tells whether any
 * happened. A collect uses it so its many per-repository commits become one change, published
 * when the collect ends (with its KPI values precomputed) instead of recomputations mid-run.
 */
export async function deferBumps<T>(fn: () => Promise<T>): Promise<{ result: T; bumped: boolean } | { error: unknown; bumped: boolean }> {
  const outer = deferral.getStore()
  const batch: Deferral = outer ?? { pending: false }
  try {
    const result = await deferral.run(batch, fn)
    return { result, bumped: batch.pending }
  } catch (error) {
    return { error, bumped: batch.pending }
  }
}

/** Whether the caller is inside a deferBumps batch (its bumps are not published yet). */
export const bumpsDeferred = (): boolean => deferral.getStore() !== undefined

/** The current data version: it changes whenever KPI inputs may have changed. */
export async function readDataVersion(db: Kysely<Database>): Promise<string> {
  const row = await db.selectFrom('data_version_state').select('version').executeTakeFirst()
  return row ? String(row.version) : '0'
}

/**
 * Bumps the data version and, when it still is `expected` (nothing else was written while the
 * values were computed), stores `values` for the new version in the same transaction — so a reader
 * that sees the new version finds them. Returns the new version and whether the values were kept.
 */
export async function publishDataVersion(db: Kysely<Database>, expected: string, values: readonly PrecomputedValues[]): Promise<{ version: string; stored: boolean }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('data_version_state').select('version').forUpdate().executeTakeFirstOrThrow()
    const before = String(row.version)
    const after = await trx
      .updateTable('data_version_state')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .returning('version')
      .executeTakeFirstOrThrow()
    const version = String(after.version)
    if (before !== expected || values.length === 0) return { version, stored: false }
    for (let i = 0; i < values.length; i += 200) {
      await trx
        .insertInto('kpi_value_cache')
        .values(values.slice(i, i + 200).map((v) => ({ key: v.key, version, fingerprint: v.fingerprint, values: v.values, computed_at: v.computedAt })))
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            version: eb.ref('excluded.version'),
            fingerprint: eb.ref('excluded.fingerprint'),
            values: eb.ref('excluded.values'),
            computed_at: eb.ref('excluded.computed_at'),
          })),
        )
        .execute()
    }
    return { version, stored: true }
  })
}

/** The values a publish stored for these keys at `version` (those it stored). */
export async function readPrecomputed(db: Kysely<Database>, keys: readonly string[], version: string) {
  if (keys.length === 0) return []
  return db.selectFrom('kpi_value_cache').select(['key', 'fingerprint', 'values', 'computed_at']).where('key', 'in', keys).where('version', '=', version).execute()
}

/** A (KPI × scope × range) key the server was asked for. */
export interface HotKey {
  key: string
  kpiId: string
  scope: string
  period: string
  rangeStart: Date
  rangeEnd: Date
}

/** Records that these keys were asked for now (what the next publish precomputes). */
export async function touchHotKeys(db: Kysely<Database>, keys: readonly HotKey[], at: Date): Promise<void> {
  if (keys.length === 0) return
  await db
    .insertInto('kpi_hot_key')
    .values(keys.map((k) => ({ key: k.key, kpi_id: k.kpiId, scope: k.scope, period: k.period, range_start: k.rangeStart, range_end: k.rangeEnd, last_used_at: at })))
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ last_used_at: eb.ref('excluded.last_used_at') })))
    .execute()
}

/** Drops keys unused for a week and stored values computed over a week ago. */
export async function pruneKpiCache(db: Kysely<Database>): Promise<void> {
  await db.deleteFrom('kpi_hot_key').where('last_used_at', '<', sql<Date>`now() - interval '7 days'`).execute()
  await db.deleteFrom('kpi_value_cache').where('computed_at', '<', sql<Date>`now() - interval '7 days'`).execute()
}

/** Keys asked for since `since`, most recently used first. */
export async function readHotKeys(db: Kysely<Database>, since: Date, limit: number): Promise<HotKey[]> {
  const rows = await db.selectFrom('kpi_hot_key').selectAll().where('last_used_at', '>=', since).orderBy('last_used_at', 'desc').orderBy('key').limit(limit).execute()
  return rows.map((r) => ({ key: r.key, kpiId: r.kpi_id, scope: r.scope, period: r.period, rangeStart: new Date(r.range_start), rangeEnd: new Date(r.range_end) }))
}
