import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'

type Executor = Kysely<Database> | Transaction<Database>

const PUBLIC_COLUMNS = ['id', 'name', 'prefix', 'scopes', 'team_id', 'created_by', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'] as const

/** Every token without its hash, newest first. */
export function listApiTokens(db: Executor) {
  return db.selectFrom('api_token').select(PUBLIC_COLUMNS).orderBy('id', 'desc').execute()
}

export function findApiToken(db: Executor, id: number) {
  return db.selectFrom('api_token').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst()
}

/** The live (not revoked, not expired at `now`) token with this hash. */
export function findLiveApiTokenByHash(db: Executor, hash: string, now: Date) {
  return db
    .selectFrom('api_token')
    .select(['id', 'name', 'scopes', 'team_id', 'last_used_at'])
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst()
}

export function insertApiToken(
  db: Executor,
  row: { name: string; token_hash: string; prefix: string; scopes: string[]; team_id: string | null; created_by: string; expires_at: Date | null },
) {
  return db.insertInto('api_token').values(row).returning(PUBLIC_COLUMNS).executeTakeFirstOrThrow()
}

/** Marks a token revoked; returns the row as it is now, or undefined when there is no such token. */
export function revokeApiToken(db: Executor, id: number, now: Date) {
  return db
    .updateTable('api_token')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
    .where('id', '=', id)
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirst()
}

export function touchApiToken(db: Executor, id: number, now: Date) {
  return db.updateTable('api_token').set({ last_used_at: now }).where('id', '=', id).execute()
}
