import { type Kysely, sql } from 'kysely'
import type { Database } from '../../server/db/schema.ts'

/** The sync_lock table (migration 0022), which server/db/schema.ts does not describe. */
export interface SyncLockTable {
  source: string
  scope: string
  holder: string
  acquired_at: Date
  expires_at: Date
}

type LockDb = Kysely<Database & { sync_lock: SyncLockTable }>
const locks = (db: Kysely<Database>) => db as unknown as LockDb

/** Who holds a lease that could not be taken, and until when. */
export interface LeaseConflict {
  holder: string
  expiresAt: Date
}

/**
 * Takes the lease on `source`/`scope` for `ttlSeconds` when it is free, expired or already
 * `holder`'s (then it is extended). Returns null when taken, else who holds it.
 */
export async function acquireLease(
  db: Kysely<Database>,
  lease: { source: string; scope: string; holder: string; ttlSeconds: number },
): Promise<LeaseConflict | null> {
  const ttl = sql<Date>`now() + ${lease.ttlSeconds} * interval '1 second'`
  const taken = await locks(db)
    .insertInto('sync_lock')
    .values({ source: lease.source, scope: lease.scope, holder: lease.holder, acquired_at: sql<Date>`now()`, expires_at: ttl })
    .onConflict((oc) =>
      oc
        .columns(['source', 'scope'])
        .doUpdateSet((eb) => ({ holder: eb.ref('excluded.holder'), acquired_at: eb.ref('excluded.acquired_at'), expires_at: eb.ref('excluded.expires_at') }))
        .where((eb) => eb.or([eb('sync_lock.expires_at', '<', sql<Date>`now()`), eb('sync_lock.holder', '=', eb.ref('excluded.holder'))])),
    )
    .returning('holder')
    .executeTakeFirst()
  if (taken) return null
  const row = await locks(db)
    .selectFrom('sync_lock')
    .select(['holder', 'expires_at'])
    .where('source', '=', lease.source)
    .where('scope', '=', lease.scope)
    .executeTakeFirst()
  // Released between the two statements: report it as held for an instant rather than retry.
  return { holder: row?.holder ?? 'unknown', expiresAt: row?.expires_at ?? new Date() }
}

/** Extends `holder`'s leases on `scopes`; returns the scopes it no longer holds (expired and taken). */
export async function renewLeases(
  db: Kysely<Database>,
  lease: { source: string; scopes: readonly string[]; holder: string; ttlSeconds: number },
): Promise<string[]> {
  if (lease.scopes.length === 0) return []
  const renewed = await locks(db)
    .updateTable('sync_lock')
    .set({ expires_at: sql<Date>`now() + ${lease.ttlSeconds} * interval '1 second'` })
    .where('source', '=', lease.source)
    .where('holder', '=', lease.holder)
    .where('scope', 'in', [...lease.scopes])
    .returning('scope')
    .execute()
  const held = new Set(renewed.map((r) => r.scope))
  return lease.scopes.filter((s) => !held.has(s))
}

/** Gives up `holder`'s lease on `source`/`scope` (a no-op when someone else holds it). */
export async function releaseLease(db: Kysely<Database>, lease: { source: string; scope: string; holder: string }): Promise<void> {
  await locks(db).deleteFrom('sync_lock').where('source', '=', lease.source).where('scope', '=', lease.scope).where('holder', '=', lease.holder).execute()
}

/**
 * The leases one worker holds on a source, renewed in the background every third of their
 * time to live. `isLost(scope)` turns true when a renewal finds the lease gone, so the work on
 * that scope can stop before it races with its new holder.
 */
export class LeaseKeeper {
  private readonly held = new Set<string>()
  private readonly lost = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private renewing: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Kysely<Database>,
    readonly source: string,
    readonly holder: string,
    private readonly ttlSeconds = 120,
  ) {}

  /** Takes the lease on `scope`; null when taken, else who holds it. */
  async acquire(scope: string): Promise<LeaseConflict | null> {
    const conflict = await acquireLease(this.db, { source: this.source, scope, holder: this.holder, ttlSeconds: this.ttlSeconds })
    if (conflict) return conflict
    this.held.add(scope)
    this.lost.delete(scope)
    this.timer ??= setInterval(() => void this.renew(), (this.ttlSeconds * 1000) / 3).unref()
    return null
  }

  /** Renews every held lease now (also done by the timer). */
  async renew(): Promise<void> {
    this.renewing = this.renewing.then(async () => {
      try {
        const gone = await renewLeases(this.db, { source: this.source, scopes: [...this.held], holder: this.holder, ttlSeconds: this.ttlSeconds })
        for (const scope of gone) {
          this.held.delete(scope)
          this.lost.add(scope)
        }
      } catch {
        // A failed renewal is retried on the next tick; the lease lasts three ticks.
      }
    })
    return this.renewing
  }

  isLost(scope: string): boolean {
    return this.lost.has(scope)
  }

  async release(scope: string): Promise<void> {
    this.held.delete(scope)
    await releaseLease(this.db, { source: this.source, scope, holder: this.holder })
  }

  /** Releases every lease still held and stops renewing. */
  async releaseAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.renewing
    const scopes = [...this.held]
    this.held.clear()
    for (const scope of scopes) await releaseLease(this.db, { source: this.source, scope, holder: this.holder })
  }
}
