import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'

type Executor = Kysely<Database> | Transaction<Database>

export interface AuditEntry {
  actor: string
  action: string
  targetType: string
  targetId: string | null
  before: unknown
  after: unknown
  requestId?: string | null
  ip?: string | null
  at?: Date
}

/** Appends one entry; call it in the same transaction as the write it describes. */
export async function recordAudit(db: Executor, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: e.actor,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      before: e.before === undefined || e.before === null ? null : JSON.stringify(e.before),
      after: e.after === undefined || e.after === null ? null : JSON.stringify(e.after),
      request_id: e.requestId ?? null,
      ip: e.ip ?? null,
      ...(e.at && { at: e.at }),
    })
    .execute()
}

/** Audit entries newest first, `limit` at a time, optionally before an id (for paging) and by target type or actor. */
export function listAudit(db: Executor, args: { limit: number; beforeId?: number; targetType?: string; actor?: string }) {
  return db
    .selectFrom('audit_log')
    .select(['id', 'at', 'actor', 'action', 'target_type', 'target_id', 'before', 'after', 'request_id', 'ip'])
    .$if(args.beforeId !== undefined, (q) => q.where('id', '<', args.beforeId!))
    .$if(args.targetType !== undefined, (q) => q.where('target_type', '=', args.targetType!))
    .$if(args.actor !== undefined, (q) => q.where('actor', 'like', `%${args.actor!.replace(/[%_\\]/g, '\\$&')}%`))
    .orderBy('id', 'desc')
    .limit(args.limit)
    .execute()
}
