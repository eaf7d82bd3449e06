import type { Kysely } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { markSyncFailed, markSyncStarted, markSyncSucceeded } from '../shared/sync-state.ts'
import { FatalError } from './graphql-batch.ts'
import { SOURCE } from './mappers.ts'

/** One repository × dataset of a collect: its sync_state scope, rows, requests and outcome. */
export class Unit {
  rows = 0
  requests = 0
  error: string | undefined
  state: 'planned' | 'running' | 'done' | 'failed' = 'planned'
  /** Whether it stored anything new (attribution reruns for repositories where something did). */
  changed = false

  constructor(
    readonly repo: string,
    readonly resource: string,
    private readonly run: RunContext,
  ) {}

  get scope(): string {
    return `${this.repo}:${this.resource}`
  }

  async start(): Promise<void> {
    if (this.state !== 'planned') return
    this.state = 'running'
    await markSyncStarted(this.run.db, SOURCE, this.scope, this.run.now)
  }

  /** Counts rows just committed and reports progress (a throwing listener stops the collect). */
  progress(rowsAdded: number): void {
    this.rows += rowsAdded
    if (rowsAdded > 0) this.changed = true
    this.run.emit(this)
  }

  /** Throws when the collect was stopped, or this repository's lease was lost to another collector. */
  check(): void {
    const stopped = this.run.stopped()
    if (stopped) throw stopped
    if (this.run.leaseLost(this.repo)) throw new LeaseLostError(this.repo)
  }

  async succeed(cursor: unknown): Promise<void> {
    if (this.state === 'done' || this.state === 'failed') return
    await markSyncSucceeded(this.run.db, SOURCE, this.scope, { cursor, rowsWritten: this.rows, requestCount: this.requests, at: this.run.now })
    this.state = 'done'
    this.run.finished(this)
  }

  /** Records the failure (awaited by `settled`); the unit's cursor stays where its last page left it. */
  fail(error: unknown): Promise<void> {
    if (this.state === 'done' || this.state === 'failed') return this.settled
    this.state = 'failed'
    this.error = describeError(error)
    this.settled = markSyncFailed(this.run.db, SOURCE, this.scope, this.error, this.run.now)
      .catch(() => undefined)
      .finally(() => this.run.finished(this))
    return this.settled
  }

  /** Resolves once a failure has been recorded. */
  settled: Promise<void> = Promise.resolve()
}

/** What units need from the collect they belong to. */
export interface RunContext {
  db: Kysely<Database>
  now: Date
  emit(unit: Unit): void
  finished(unit: Unit): void
  leaseLost(repo: string): boolean
  /** The FatalError that stopped the collect, if one did. */
  stopped(): FatalError | null
}

/** Another collector took over the repository (our lease expired): stop working on it. */
export class LeaseLostError extends Error {
  constructor(readonly repo: string) {
    super(`the lease on ${repo} expired and another collector took it over`)
    this.name = 'LeaseLostError'
  }
}

/** A readable reason for a failure: the HTTP status and GitHub's message when there is one. */
export function describeError(error: unknown): string {
  const e = error as { status?: number; message?: string; response?: { data?: { message?: string } } } | null
  const status = typeof e?.status === 'number' ? e.status : undefined
  const raw = e?.response?.data?.message ?? e?.message ?? String(error)
  // GitHub's 5xx pages are HTML: say what happened, not the markup.
  const message = /^\s*</.test(raw) ? 'GitHub answered with an error page' : raw
  const hint =
    status === 403 ? ' (forbidden: the token lacks the permission for this dataset, see collectors/github/PERMISSIONS.md)'
    : status === 404 ? ' (not found, or not visible to this token)'
    : status === 401 ? ' (bad credentials)'
    : ''
  return `${status ? `HTTP ${status}: ` : ''}${message}${hint}`.slice(0, 2_000)
}
