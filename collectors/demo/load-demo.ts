import { sql, type Kysely } from 'kysely'
import { applyDefaults, type AppConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { recomputeAttribution } from '../attribution/index.ts'
import { upsertMeasurements } from '../shared/store/measurements.ts'
import { upsertTeams, type TeamDefinition } from '../shared/store/teams.ts'
import { getSyncState, markSyncFailed, markSyncStarted, markSyncSucceeded } from '../shared/sync-state.ts'
import { generateDemo } from './generate.ts'
import { DEMO_OWNER, DEMO_ORGANISATION } from './org-plan.ts'
import { DEMO_PREFIX, DEMO_SOURCE, removeDemo } from './remove-demo.ts'
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

/**
 * The configuration attribution runs with over the demo: the demo's teams, GitHub's default
 * labels (`hotfix`, `incident`), no service mapping (a repository's service is its name), and
 * DESIGN's default incident window and look-back. No source is collectable: there is no token.
 */
export function demoAttributionConfig(teams: readonly TeamDefinition[]): AppConfig {
  return applyDefaults(
    {
      organisation: DEMO_ORGANISATION,
      teams: teams.map((t) => ({ id: t.id, name: t.name, repos: [...t.repos], services: [...t.services] })),
      sources: { github: { repos: [`${DEMO_OWNER}/*`], services: {}, labels: { hotfix: ['hotfix'], incident: ['incident'] } } },
      attribution: { incidentWindowHours: 24, maxLookbackDays: 14 },
    },
    { host: '127.0.0.1', port: 0, databaseUrl: null, dataDir: '', logLevel: 'silent', prettyLogs: false, webDir: '', demoOnEmpty: false },
    null,
  )
}

/**
 * Links the stored demo through the product's attribution (DESIGN §4) — which deployment shipped
 * each change, which deployments failed and what remediated them, which deployment caused each
 * incident — restricted to the demo's repositories, and returns how many link rows they hold.
 */
async function attributeDemo(db: Kysely<Database>, teams: readonly TeamDefinition[], now: Date): Promise<TableCounts> {
  const demo = `${DEMO_PREFIX}%`
  const repoIds = (await db.selectFrom('repository').select('id').where('external_id', 'like', demo).execute()).map((r) => r.id)
  await recomputeAttribution(db, demoAttributionConfig(teams), { repoIds, now })
  const deployments = db.selectFrom('deployment').select('id').where('external_id', 'like', demo)
  const { rows } = await sql<{ deployment_change: number; incident_deployment: number; deployment_failure: number }>`
    select
      (select count(*)::int from deployment_change where deployment_id in (${deployments})) as deployment_change,
      (select count(*)::int from incident_deployment where deployment_id in (${deployments})) as incident_deployment,
      (select count(*)::int from deployment_failure where deployment_id in (${deployments})) as deployment_failure`.execute(db)
  return { ...rows[0]! }
}

function sameCursor(stored: unknown, wanted: DemoCursor): boolean {
  const c = stored as Partial<DemoCursor> | null
  return c?.seed === wanted.seed && c.scale === wanted.scale && c.now === wanted.now
}

/**
 * Loads the demo organisation through the shared upsert helpers, one transaction per repository,
 * then derives its shipping, failure and incident links with the product's attribution, and marks it loaded in sync_state (source 'demo', scope 'org', cursor { seed, scale, now }).
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
    add(await attributeDemo(db, demo.teams, options.now))
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
