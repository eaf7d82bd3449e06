import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import { saveSyncCursor } from '../shared/sync-cursor.ts'
import { type BatchTask, FatalError, FieldError, type GraphQLError, type PagePart } from './graphql-batch.ts'
import { SOURCE } from './mappers.ts'
import type { Unit } from './unit.ts'

/** Items changed a little before the watermark are read again: GitHub's updated_at is not strictly ordered with our reads. */
export const OVERLAP_MS = 60 * 60 * 1000

/** One pass over a connection sorted newest first: from `after` until an item older than `stop`. */
export interface WalkSpec {
  /** Adapter-defined: which connection (e.g. `all`, `label:bug`). */
  kind: string
  after: string | null
  /** ISO time: the walk ends at the first item older than this (null: read to the end). */
  stop: string | null
  /** Added for this run only (a catch-up over the top); never saved as resume point. */
  ephemeral?: boolean
}

/** The cursor of a walked dataset in sync_state. */
export interface WalkCursor {
  /** Newest item time fully read: the next run reads down to this minus an overlap. */
  watermark: string | null
  /** How far back the data is complete (the backfill's since). */
  floor: string | null
  /** Set while a run is under way: the walks still to do (the first from its `after`) and the newest item seen. */
  resume?: { walks: WalkSpec[]; top: string | null }
  /** Adapter extras (e.g. the label set an issue backfill covered). */
  [extra: string]: unknown
}

/** Extra reads a page needs before it can be stored (more reviews of a PR, more statuses of a deployment). */
export interface FollowUp {
  part(pageSize: number): PagePart
  /** Takes the follow-up's data (storing it, for preludes); true when it needs another page. */
  apply(data: unknown): boolean | Promise<boolean>
}

export interface Connection<N> {
  nodes: N[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

/** What a walked dataset plugs into WalkTask. */
export interface WalkAdapter<N> {
  field(walk: WalkSpec, first: number): string
  /** Budget units of a page of `first` items. */
  cost(first: number): number
  connection(data: unknown): Connection<N> | null
  /** The time the connection is sorted by (descending). */
  key(node: N): string
  followUps?(nodes: N[]): FollowUp[]
  /** Stores a page's items (those at or after the floor) in `trx`; returns rows written. */
  store(trx: Transaction<Database>, nodes: N[], walk: WalkSpec): Promise<number>
  /** Runs once after the last walk, before the cursor is marked successful. */
  finish?(db: Kysely<Database>): Promise<number>
}

/** How a walk plan is made from the stored cursor. */
export interface WalkPlanInput {
  cursor: WalkCursor | undefined
  full: boolean
  since: Date
  /** Walks for a backfill down to `since` (e.g. one per label). */
  backfill: (since: string) => WalkSpec[]
  /** The incremental walk down to `stop`. */
  incremental: (stop: string) => WalkSpec
  /** When false, a stored watermark is ignored and the dataset is backfilled again. */
  incrementalAllowed?: boolean
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The walks of this run and the floor items are kept from. */
export function planWalks(p: WalkPlanInput): { walks: WalkSpec[]; floor: string; top: string | null } {
  const since = p.since.toISOString()
  const c = p.cursor
  if (!p.full && c?.resume && c.floor) {
    const top = c.resume.top
    const catchUp = top ? [{ ...p.incremental(iso(Date.parse(top) - OVERLAP_MS)), ephemeral: true }] : []
    return { walks: [...catchUp, ...c.resume.walks], floor: c.floor, top }
  }
  if (!p.full && c?.watermark && c.floor && p.incrementalAllowed !== false) {
    if (Date.parse(since) < Date.parse(c.floor)) return { walks: p.backfill(since), floor: since, top: c.watermark }
    return { walks: [p.incremental(iso(Date.parse(c.watermark) - OVERLAP_MS))], floor: c.floor, top: c.watermark }
  }
  return { walks: p.backfill(since), floor: since, top: null }
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) >= Date.parse(b) ? a : b)

/**
 * Reads a dataset GitHub sorts newest first, page by page: each page's rows and the cursor that
 * resumes after it are committed in one transaction, so a crash between pages loses nothing and
 * stores nothing twice. The watermark (newest item seen) is saved when the last walk ends.
 */
export class WalkTask<N> implements BatchTask {
  readonly id: string
  private readonly walks: WalkSpec[]
  private readonly floor: string
  private top: string | null
  private held: { conn: Connection<N>; followUps: FollowUp[] } | null = null
  private preludes: FollowUp[]
  private firstPageSize: number | undefined
  private done = false

  constructor(
    private readonly db: Kysely<Database>,
    private readonly unit: Unit,
    private readonly adapter: WalkAdapter<N>,
    plan: { walks: WalkSpec[]; floor: string; top: string | null },
    private readonly base: WalkCursor | undefined,
    private readonly extras: Record<string, unknown> = {},
    options: { preludes?: FollowUp[]; firstPageSize?: number } = {},
  ) {
    this.id = unit.scope
    this.walks = plan.walks.map((w) => ({ ...w }))
    this.floor = plan.floor
    this.top = plan.top
    this.preludes = options.preludes ?? []
    this.firstPageSize = options.firstPageSize
  }

  nextPart(pageSize: number): PagePart | null {
    if (this.done) return null
    this.unit.check()
    const follow = this.preludes[0] ?? this.held?.followUps[0]
    if (follow) return follow.part(pageSize)
    const walk = this.walks[0]
    if (!walk) return null
    const first = Math.max(1, Math.min(pageSize, this.firstPageSize ?? pageSize))
    return { field: this.adapter.field(walk, first), cost: this.adapter.cost(first) }
  }

  async handle(data: unknown, _errors: readonly GraphQLError[]): Promise<void> {
    await this.unit.start()
    this.unit.requests++
    if (this.preludes[0]) {
      if (!(await this.preludes[0].apply(data))) this.preludes.shift()
      if (this.preludes.length === 0 && this.walks.length === 0) await this.complete()
      return
    }
    if (this.held) {
      if (!(await this.held.followUps[0]!.apply(data))) this.held.followUps.shift()
      if (this.held.followUps.length === 0) await this.commit()
      return
    }
    const conn = this.adapter.connection(data)
    if (!conn) throw new Error('GitHub returned no data for this repository')
    this.firstPageSize = undefined
    this.held = { conn, followUps: this.adapter.followUps?.(conn.nodes) ?? [] }
    if (this.held.followUps.length === 0) await this.commit()
  }

  private async commit(): Promise<void> {
    const { conn } = this.held!
    this.held = null
    const walk = this.walks[0]!
    const floor = Date.parse(this.floor)
    const stop = walk.stop === null ? -Infinity : Date.parse(walk.stop)
    const kept = conn.nodes.filter((n) => Date.parse(this.adapter.key(n)) >= floor)
    for (const n of conn.nodes) this.top = later(this.top, this.adapter.key(n))
    const ended = !conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor || conn.nodes.some((n) => Date.parse(this.adapter.key(n)) < stop)
    if (!ended) walk.after = conn.pageInfo.endCursor
    const remaining = ended ? this.walks.slice(1) : this.walks
    const resumable = remaining.filter((w) => !w.ephemeral)
    const last = remaining.length === 0
    const rows = await inTransaction(this.db, async (trx) => {
      const n = await this.adapter.store(trx, kept, walk)
      // The finishing walk saves no cursor here: complete() does once finish() has run.
      if (!last && !walk.ephemeral) {
        await saveSyncCursor(trx, SOURCE, this.unit.scope, { ...this.baseCursor(), resume: { walks: resumable, top: this.top } })
      }
      return n
    })
    if (ended) this.walks.shift()
    this.unit.progress(rows)
    if (last && this.preludes.length === 0) await this.complete()
  }

  /** The older of the stored floor and this run's: how far back the data is complete. */
  private coveredFloor(): string {
    const stored = this.base?.floor
    return stored && Date.parse(stored) < Date.parse(this.floor) ? stored : this.floor
  }

  private baseCursor(): WalkCursor {
    return { ...this.extras, watermark: this.base?.watermark ?? null, floor: this.floor }
  }

  private async complete(): Promise<void> {
    if (this.done) return
    this.done = true
    const extra = (await this.adapter.finish?.(this.db)) ?? 0
    if (extra) this.unit.progress(extra)
    await this.unit.succeed({ ...this.extras, watermark: later(this.base?.watermark ?? null, this.top), floor: this.coveredFloor() })
  }

  fail(error: Error): void {
    if (error instanceof FatalError) throw error
    // A saved cursor GitHub no longer accepts: walk again from the top (the rows are idempotent).
    const walk = this.walks[0]
    if (!this.held && !this.preludes[0] && walk?.after && error instanceof FieldError && /cursor/i.test(`${error.type} ${error.message}`)) {
      walk.after = null
      return
    }
    this.done = true
    this.unit.fail(error)
  }

  /** Marks the dataset done without reading (nothing changed since the watermark). */
  static async unchanged(unit: Unit, cursor: WalkCursor | undefined, floor: string): Promise<void> {
    await unit.start()
    await unit.succeed({ ...(cursor ?? {}), watermark: cursor?.watermark ?? null, floor: cursor?.floor ?? floor, resume: undefined })
  }
}
