import type { Kysely } from 'kysely'
import type { AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import { bumpsDeferred, deferBumps, pruneKpiCache, publishDataVersion, readDataVersion, readHotKeys } from '../repositories/data-version.repository.ts'
import { createKpiEngine } from './create-engine.ts'

/** Keys asked for within this long are precomputed when a collect finishes. */
const HOT_WINDOW_MS = 60 * 60_000
/** At most this many keys per publish (the organisation's and a few dozen teams' overviews). */
const MAX_KEYS = 5_000

export interface PublishOptions {
  definitionsDir?: string
  clock?: () => Date
  /** Time allowed for precomputing; keys not reached are computed on demand. Default 60 s. */
  budgetMs?: number
  /** Progress for the CLI ("refreshing KPI values: 31 of 31"). */
  onProgress?: (message: string) => void
}

export interface PublishReport {
  /** The version published, or null when the run wrote nothing. */
  version: string | null
  /** Keys precomputed and stored with it. */
  precomputed: number
  /** Keys asked for lately. */
  hotKeys: number
  /** Why nothing was stored, when nothing was. */
  note: string | null
}

/**
 * Runs a collect with its data-version bumps held back, then publishes once: the KPI values the
 * server was asked for in the last hour are computed on the new data and stored in the same
 * transaction that bumps the version. A reader therefore sees either the old version (with its
 * cached values) or the new one with values ready — right after a collect finishes nothing is
 * stale and nothing waits on a recomputation. When another write lands meanwhile, the values are
 * not stored (they might miss it) and the server computes on demand, as without this.
 * Inside an outer run, `fn` just runs; the outer one publishes.
 */
export async function collectAndPublish<T>(db: Kysely<Database>, config: AppConfig, fn: () => Promise<T>, options: PublishOptions = {}): Promise<{ result: T; publish: PublishReport }> {
  if (bumpsDeferred()) return { result: await fn(), publish: { version: null, precomputed: 0, hotKeys: 0, note: 'published by the enclosing run' } }
  const outcome = await deferBumps(fn)
  let publish: PublishReport = { version: null, precomputed: 0, hotKeys: 0, note: 'nothing written' }
  if (outcome.bumped && 'error' in outcome) publish = { version: (await publishDataVersion(db, '', [])).version, precomputed: 0, hotKeys: 0, note: 'the run failed' }
  else if (outcome.bumped) publish = await publishWithValues(db, config, options)
  if ('error' in outcome) throw outcome.error
  return { result: outcome.result, publish }
}

/** Precomputes the hot keys on the committed data, then bumps the version with them. */
export async function publishWithValues(db: Kysely<Database>, config: AppConfig, options: PublishOptions = {}): Promise<PublishReport> {
  const clock = options.clock ?? (() => new Date())
  const expected = await readDataVersion(db)
  let engine
  try {
    engine = createKpiEngine({ db, config, clock, definitionsDir: options.definitionsDir })
  } catch (err) {
    const { version } = await publishDataVersion(db, expected, [])
    return { version, precomputed: 0, hotKeys: 0, note: `KPI definitions not loaded: ${(err as Error).message}` }
  }
  await pruneKpiCache(db)
  const hot = await readHotKeys(db, new Date(Date.now() - HOT_WINDOW_MS), MAX_KEYS)
  options.onProgress?.(`refreshing ${hot.length} KPI values`)
  const values = await engine.precompute(hot, Date.now() + (options.budgetMs ?? 60_000))
  const { version, stored } = await publishDataVersion(db, expected, values)
  const note = !stored && values.length > 0 ? 'other writes landed meanwhile; values are computed on demand' : values.length < hot.length ? `${hot.length - values.length} keys left to compute on demand` : null
  return { version, precomputed: stored ? values.length : 0, hotKeys: hot.length, note }
}
