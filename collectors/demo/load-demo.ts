import type { Kysely } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { upsertMeasurements } from '../shared/store/measurements.ts'
import { upsertTeams } from '../shared/store/teams.ts'
import { getSyncState, markSyncFailed, markSyncStarted, markSyncSucceeded } from '../shared/sync-state.ts'
import { generateDemo } from './generate.ts'
import { DEMO_SOURCE, removeDemo } from './remove-demo.ts'
import type { DemoScale } from './scales.ts'
import { writeRepository, type TableCounts } from './write-repository.ts'

export { removeDemo } from './remove-demo.ts'

export interface LoadDemoOptions {
  seed?: number
  scale?: DemoScale
  /** Where the generated history ends: the caller passes the start of the current UTC day. */
  now: Date
  /** Called after each repository is committed. */
  onProgress?: (progress: { done: number; total: number; rows: number }) => void
}

export interface LoadDemoResult {
  /** Rows written per table. */
  counts: TableCounts
  rows: number
  seconds: number
  rowsPerSecond: number
}

/** What the demo's sync_state cursor records: the inputs that fully determine its rows. */
export interface DemoCursor {
  seed: number
  scale: DemoScale
  now: string
}

const SCOPE = 'org'
/**
 * Repositories written at once, each in its own transaction: while one waits on PostgreSQL the
 * next is generated. PGlite has one connection, so there they simply queue.
 */
const CONCURRENT_REPOSITORIES = 2

function sameCursor(stored: unknown, wanted: DemoCursor): boolean {
  const c = stored as Partial<DemoCursor> | null
  return c?.seed === wanted.seed && c.scale === wanted.scale && c.now === wanted.now
}

/**
 * Loads the demo organisation through the shared upsert helpers, one transaction per repository,
 * and marks it loaded in sync_state (source 'demo', scope 'org', cursor { seed, scale, now }).
 * Loading the same seed, scale and `now` again rewrites the same rows (same counts); any other
 * demo already present — or one whose load never finished — is removed first.
 */
export async function loadDemo(db: Kysely<Database>, options: LoadDemoOptions): Promise<LoadDemoResult> {
  const started = performance.now()
  const cursor: DemoCursor = { seed: options.seed ?? 42, scale: options.scale ?? 'small', now: options.now.toISOString() }
  const state = await getSyncState(db, DEMO_SOURCE, SCOPE)
  if (!state?.last_success_at || !sameCursor(state.cursor, cursor)) await removeDemo(db)
  await markSyncStarted(db, DEMO_SOURCE, SCOPE)
  try {
    const demo = generateDemo({ seed: cursor.seed, scale: cursor.scale, now: options.now })
    const counts: TableCounts = {}
    const add = (c: TableCounts) => {
      for (const [table, n] of Object.entries(c)) counts[table] = (counts[table] ?? 0) + n
    }
    const total = () => Object.values(counts).reduce((s, n) => s + n, 0)
    await upsertTeams(db, DEMO_SOURCE, demo.teams)
    add({
      team: demo.teams.length,
      team_repo: demo.teams.reduce((s, t) => s + t.repos.length, 0),
      team_service: demo.teams.reduce((s, t) => s + t.services.length, 0),
    })
    let done = 0
    let failed = false
    const repositories = demo.repositories()
    const worker = async () => {
      for (let next = repositories.next(); !next.done && !failed; next = repositories.next()) {
        const repository = next.value
        try {
          add(await db.transaction().execute((trx) => writeRepository(trx, repository)))
        } catch (err) {
          failed = true
          throw err
        }
        options.onProgress?.({ done: ++done, total: demo.repositoryCount, rows: total() })
      }
    }
    const outcomes = await Promise.allSettled(Array.from({ length: CONCURRENT_REPOSITORIES }, worker))
    const failure = outcomes.find((o) => o.status === 'rejected')
    if (failure) throw failure.reason
    await upsertMeasurements(db, demo.measurements)
    add({ measurement: demo.measurements.length })
    const rows = total()
    await markSyncSucceeded(db, DEMO_SOURCE, SCOPE, { cursor, rowsWritten: rows, requestCount: 0 })
    const seconds = (performance.now() - started) / 1000
    return { counts, rows, seconds, rowsPerSecond: rows / seconds }
  } catch (err) {
    await markSyncFailed(db, DEMO_SOURCE, SCOPE, err instanceof Error ? err.message : String(err))
    throw err
  }
}
