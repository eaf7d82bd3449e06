import { type Kysely, sql } from 'kysely'
import { pendingMigrations } from './migrate.ts'

export interface Readiness {
  ready: boolean
  database: { reachable: boolean; error?: string }
  migrations: { current: boolean; pending: string[] }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
    }),
  ])
}

/** Whether the database answers within `timeoutMs` and every migration is applied. */
export async function checkReadiness(db: Kysely<any>, timeoutMs = 1_500): Promise<Readiness> {
  try {
    await withTimeout(sql`select 1`.execute(db), timeoutMs, 'the database')
  } catch (err) {
    return {
      ready: false,
      database: { reachable: false, error: (err as Error).message || String(err) },
      migrations: { current: false, pending: [] },
    }
  }
  const pending = await withTimeout(pendingMigrations(db), timeoutMs, 'the migration table')
  return { ready: pending.length === 0, database: { reachable: true }, migrations: { current: pending.length === 0, pending } }
}
