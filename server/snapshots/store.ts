import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import type { KpiEngine } from '../metrics/kpi-engine.ts'
import { recordAudit } from '../repositories/audit.repository.ts'
import { deleteSnapshot, findSnapshot, insertSnapshot, type SnapshotRow } from '../repositories/snapshots.repository.ts'
import type { SnapshotDocument, SnapshotSummary } from '../routes/snapshots.schema.ts'
import { canonicalJson, sha256Hex } from './canonical-json.ts'
import { freezeSnapshot, parseSnapshotPeriod, type Frozen } from './freeze.ts'

/** A request to take a snapshot that cannot be met; `field` names the input at fault. */
export class SnapshotInputError extends Error {
  constructor(
    readonly field: 'period' | 'scope',
    message: string,
  ) {
    super(message)
  }
}

export interface SnapshotDeps {
  db: Kysely<Database>
  engine: KpiEngine
  config: AppConfig
}

export interface WriteContext {
  /** Who, as the audit log names them. */
  actor: string
  now: Date
  requestId?: string
  ip?: string
}

export interface TakeInput {
  period: string
  scope?: string
  title?: string
  commentary?: string | null
}

/** A snapshot as the API lists it, with the URLs of its exports. */
export function toSummary(row: SnapshotRow): SnapshotSummary {
  const base = `/api/snapshots/${row.id}`
  return {
    id: row.id,
    period: row.period,
    scope: row.scope,
    title: row.title,
    commentary: row.commentary,
    takenAt: row.createdAt.toISOString(),
    takenBy: row.createdBy,
    partial: row.partial,
    contentHash: row.contentHash,
    exports: { json: `${base}.json`, csv: `${base}.csv`, md: `${base}.md`, pdf: `${base}.pdf` },
  }
}

/**
 * Freezes the KPIs for a month or quarter as of `ctx.now` and stores the document with its
 * content hash, audited, in one transaction. Throws SnapshotInputError for a bad period and
 * ScopeError for an unknown scope.
 */
export async function takeSnapshot(deps: SnapshotDeps, input: TakeInput, ctx: WriteContext): Promise<{ row: SnapshotRow; frozen: Frozen }> {
  const period = parseSnapshotPeriod(input.period.trim(), deps.engine.timezone)
  if (typeof period === 'string') throw new SnapshotInputError('period', period)
  if (period.start > ctx.now) throw new SnapshotInputError('period', `${period.label} has not started yet: a snapshot is of a period under way or past`)
  const id = `snap-${randomBytes(6).toString('hex')}`
  const frozen = await freezeSnapshot(deps, { id, period, scope: input.scope ?? 'org', title: input.title, commentary: input.commentary, takenBy: ctx.actor, takenAt: ctx.now })
  const doc = frozen.document
  const row: SnapshotRow = {
    id,
    period: doc.period.label,
    scope: doc.scope,
    title: doc.title,
    commentary: doc.commentary,
    contentHash: frozen.hash,
    createdBy: ctx.actor,
    createdAt: new Date(doc.takenAt),
    partial: doc.period.partial,
  }
  await deps.db.transaction().execute(async (tx) => {
    await insertSnapshot(tx, { ...row, document: frozen.text })
    await recordAudit(tx, {
      actor: ctx.actor,
      action: 'snapshot.create',
      targetType: 'snapshot',
      targetId: id,
      before: null,
      after: { period: row.period, scope: row.scope, title: row.title, contentHash: row.contentHash },
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now,
    })
  })
  return { row, frozen }
}

/** A stored snapshot and its frozen document; throws when the document no longer matches its hash. */
export async function loadSnapshot(db: Kysely<Database>, id: string): Promise<{ row: SnapshotRow; text: string; document: SnapshotDocument } | undefined> {
  const found = await findSnapshot(db, id)
  if (!found) return undefined
  const stored = found.document ?? canonicalJson(typeof found.content === 'string' ? JSON.parse(found.content) : found.content)
  if (sha256Hex(stored) !== found.contentHash) throw new Error(`snapshot ${id}: the stored document does not match its content hash`)
  const { document: _text, content: _content, ...row } = found
  return { row, text: stored, document: JSON.parse(stored) as SnapshotDocument }
}

/** Deletes a snapshot, audited; undefined when there was none. */
export async function removeSnapshot(db: Kysely<Database>, id: string, ctx: WriteContext): Promise<SnapshotRow | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await deleteSnapshot(tx, id)
    if (!row) return undefined
    await recordAudit(tx, {
      actor: ctx.actor,
      action: 'snapshot.delete',
      targetType: 'snapshot',
      targetId: id,
      before: { period: row.period, scope: row.scope, title: row.title, contentHash: row.contentHash, takenAt: row.createdAt.toISOString(), takenBy: row.createdBy },
      after: null,
      requestId: ctx.requestId,
      ip: ctx.ip,
      at: ctx.now,
    })
    return row
  })
}
