import type { Kysely } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import { saveSyncCursor } from '../shared/sync-cursor.ts'
import { insertCommits } from '../shared/store/commits.ts'
import { type BatchTask, FatalError, FieldError, type PagePart } from './graphql-batch.ts'
import { SOURCE } from './mappers.ts'
import { historyField } from './queries.ts'
import type { RepoTarget } from './targets.ts'
import type { Unit } from './unit.ts'

/** Incremental history reads start this long before the newest stored commit. */
export const HISTORY_OVERLAP_MS = 24 * 3_600_000

export interface GqlCommit {
  oid: string
  authoredDate: string | null
  committedDate: string | null
  parents: { nodes: ({ oid: string } | null)[] } | null
}

/** The cursor of `owner/repo:commits`: the head read last and, mid-run, where to go on. */
export interface CommitsCursor {
  head: string | null
  since: string | null
  resume?: { head: string; after: string | null; since: string | null }
}

interface HistoryWalk {
  head: string
  after: string | null
  since: string | null
}

/**
 * The default branch's commit graph (SHA, parents, dates) for local ancestry: GraphQL history
 * of the head commit, 100 commits a request, since the backfill start on the first run and
 * since a day before the newest stored commit afterwards. Paging a fixed head SHA keeps a
 * resumed walk on the same list even when the branch moved meanwhile.
 */
export class HistoryTask implements BatchTask {
  readonly id: string
  private readonly walks: HistoryWalk[]
  private done = false

  constructor(
    private readonly db: Kysely<Database>,
    private readonly unit: Unit,
    private readonly repo: RepoTarget,
    walks: HistoryWalk[],
    private readonly finalCursor: CommitsCursor,
    private readonly previous: CommitsCursor | undefined,
  ) {
    this.id = unit.scope
    this.walks = walks
  }

  /** The walks of this run: a resumed one first, then the current head's (none when it was read already). */
  static async plan(db: Kysely<Database>, repo: RepoTarget, cursor: CommitsCursor | undefined, opts: { full: boolean; since: Date }): Promise<{ walks: HistoryWalk[]; final: CommitsCursor }> {
    const walks: HistoryWalk[] = []
    const backfillSince = opts.since.toISOString()
    const resume = !opts.full ? cursor?.resume : undefined
    if (resume) walks.push({ ...resume })
    const head = repo.head
    const extending = !!cursor?.since && Date.parse(backfillSince) < Date.parse(cursor.since)
    const needHead = !!head && (opts.full || !cursor || extending || (cursor.head !== head && resume?.head !== head))
    if (head && needHead) {
      let since = backfillSince
      if (!opts.full && !extending && (cursor?.head || resume)) {
        const newest = await db.selectFrom('commit').select((eb) => eb.fn.max('committed_at').as('at')).where('repo_id', '=', repo.id).executeTakeFirst()
        if (newest?.at) since = new Date(new Date(newest.at).getTime() - HISTORY_OVERLAP_MS).toISOString()
      }
      walks.push({ head, after: null, since })
    }
    const floor = cursor?.since && !opts.full && Date.parse(cursor.since) < Date.parse(backfillSince) ? cursor.since : backfillSince
    return { walks, final: { head: head ?? cursor?.head ?? null, since: floor } }
  }

  nextPart(pageSize: number): PagePart | null {
    if (this.done) return null
    this.unit.check()
    const w = this.walks[0]
    if (!w) return null
    const first = Math.min(100, pageSize * 2)
    return { field: historyField(this.repo.owner, this.repo.name, w.head, first, w.after, w.since), cost: first / 2 }
  }

  async handle(data: unknown): Promise<void> {
    await this.unit.start()
    this.unit.requests++
    const history = (data as { object?: { history?: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: (GqlCommit | null)[] } } | null } | null)?.object?.history
    if (!history) {
      // A resumed walk's head can be gone (force-pushed away): go on with the current head.
      if (this.walks.length > 1) {
        this.walks.shift()
        return
      }
      throw new Error(`GitHub returned no history for ${this.walks[0]?.head}`)
    }
    const walk = this.walks[0]!
    const rows = history.nodes
      .filter((c): c is GqlCommit => c !== null)
      .map((c) => ({
        repo_id: this.repo.id,
        sha: c.oid,
        parents: (c.parents?.nodes ?? []).filter((p): p is { oid: string } => p !== null).map((p) => p.oid),
        authored_at: c.authoredDate,
        committed_at: c.committedDate,
      }))
    const more = history.pageInfo.hasNextPage && !!history.pageInfo.endCursor
    if (more) walk.after = history.pageInfo.endCursor
    else this.walks.shift()
    const next = this.walks[0]
    await inTransaction(this.db, async (trx) => {
      await insertCommits(trx, rows)
      if (next) await saveSyncCursor(trx, SOURCE, this.unit.scope, { head: this.previous?.head ?? null, since: this.previous?.since ?? this.finalCursor.since, resume: { ...next } } satisfies CommitsCursor)
    })
    this.unit.progress(rows.length)
    if (!next) {
      this.done = true
      await this.unit.succeed(this.finalCursor)
    }
  }

  fail(error: Error): void {
    if (error instanceof FatalError) throw error
    const walk = this.walks[0]
    if (walk?.after && error instanceof FieldError && /cursor/i.test(`${error.type} ${error.message}`)) {
      walk.after = null
      return
    }
    this.done = true
    this.unit.fail(error)
  }
}
