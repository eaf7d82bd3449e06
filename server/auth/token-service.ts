import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { newApiToken } from './api-tokens.ts'
import type { TokenScope } from './principal.ts'
import { findApiToken, insertApiToken, revokeApiToken } from '../repositories/api-tokens.repository.ts'
import { recordAudit } from '../repositories/audit.repository.ts'

export interface AuditContext {
  actor: string
  requestId?: string | null
  ip?: string | null
  now: Date
}

/** Creates an API token and audits it in one transaction; the token itself is returned once and never stored. */
export async function createApiToken(
  db: Kysely<Database>,
  input: { name: string; scopes: TokenScope[]; teamId?: string | null; expiresAt?: Date | null },
  ctx: AuditContext,
) {
  const { token, hash, prefix } = newApiToken()
  const row = await db.transaction().execute(async (trx) => {
    const created = await insertApiToken(trx, {
      name: input.name,
      token_hash: hash,
      prefix,
      scopes: [...new Set(input.scopes)].sort(),
      team_id: input.teamId ?? null,
      created_by: ctx.actor,
      expires_at: input.expiresAt ?? null,
    })
    await recordAudit(trx, { actor: ctx.actor, action: 'token.create', targetType: 'api_token', targetId: String(created.id), before: null, after: created, requestId: ctx.requestId, ip: ctx.ip, at: ctx.now })
    return created
  })
  return { token, row }
}

/** Revokes a token and audits it; undefined when there is no such token. Revoking twice changes nothing more. */
export async function revokeApiTokenById(db: Kysely<Database>, id: number, ctx: AuditContext) {
  return db.transaction().execute(async (trx) => {
    const before = await findApiToken(trx, id)
    if (!before) return undefined
    const after = await revokeApiToken(trx, id, ctx.now)
    await recordAudit(trx, { actor: ctx.actor, action: 'token.revoke', targetType: 'api_token', targetId: String(id), before, after, requestId: ctx.requestId, ip: ctx.ip, at: ctx.now })
    return after
  })
}
