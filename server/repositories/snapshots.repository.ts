import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'

type Executor = Kysely<Database> | Transaction<Database>

export interface SnapshotRow {
  id: string
  period: string
  scope: string
  title: string
  commentary: string | null
  contentHash: string
  createdBy: string
  createdAt: Date
  partial: boolean
}

export interface NewSnapshot extends SnapshotRow {
  /** The canonical JSON text of the frozen document. */
  document: string
}

const COLUMNS = ['id', 'period', 'scope', 'title', 'commentary', 'content_hash', 'created_by', 'created_at', 'partial'] as const

function toRow(r: { id: string; period: string; scope: string; title: string; commentary: string | null; content_hash: string; created_by: string; created_at: Date | string; partial: boolean }): SnapshotRow {
  return {
    id: r.id,
    period: r.period,
    scope: r.scope,
    title: r.title,
    commentary: r.commentary,
    contentHash: r.content_hash,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    partial: r.partial,
  }
}

/** Stores a snapshot; it is never updated afterwards. */
export async function insertSnapshot(db: Executor, s: NewSnapshot): Promise<void> {
  await db
    .insertInto('snapshot')
    .values({
      id: s.id,
      period: s.period,
      scope: s.scope,
      title: s.title,
      commentary: s.commentary,
      content: s.document,
      document: s.document,
      content_hash: s.contentHash,
      created_by: s.createdBy,
      created_at: s.createdAt,
      partial: s.partial,
    })
    .execute()
}

/** Snapshots newest first, without their documents. */
export async function listSnapshots(db: Executor, args: { limit: number; offset: number }): Promise<SnapshotRow[]> {
  const rows = await db.selectFrom('snapshot').select(COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(args.limit).offset(args.offset).execute()
  return rows.map(toRow)
}

export async function countSnapshots(db: Executor): Promise<number> {
  const r = await db.selectFrom('snapshot').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(r.n)
}

/** One snapshot with its document text (the canonical JSON; from `content` for rows stored before it had its own column). */
export async function findSnapshot(db: Executor, id: string): Promise<(SnapshotRow & { document: string | null; content: unknown }) | undefined> {
  const r = await db.selectFrom('snapshot').select([...COLUMNS, 'document', 'content']).where('id', '=', id).executeTakeFirst()
  return r && { ...toRow(r), document: r.document, content: r.content }
}

/** Deletes one snapshot; returns it as it was, or undefined when there was none. */
export async function deleteSnapshot(db: Executor, id: string): Promise<SnapshotRow | undefined> {
  const r = await db.deleteFrom('snapshot').where('id', '=', id).returning(COLUMNS).executeTakeFirst()
  return r && toRow(r)
}
