import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import { connectPGlite, connectPostgres, type Db } from '../../server/db/connect.ts'
import { migrateToLatest } from '../../server/db/migrate.ts'

export type Backend = 'pglite' | 'postgres'
export const BACKENDS: Backend[] = ['pglite', 'postgres']

/** The PostgreSQL server tests create their databases on (CI sets DATABASE_URL). */
export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 })
  try {
    await client.connect()
  } catch (err) {
    // Never skipped: a PostgreSQL test without its server is a failure, in CI and locally.
    throw new Error(`PostgreSQL is unreachable at ${POSTGRES_URL}: ${(err as Error).message}. Start it (see README, "Tests").`)
  }
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A fresh, empty database of the given kind; `drop()` removes it (PostgreSQL) or closes it (PGlite). */
export async function createTestDatabase(backend: Backend, options: { migrate?: boolean } = {}): Promise<Db & { drop(): Promise<void>; url: string }> {
  let db: Db
  let cleanup: () => Promise<void>
  let url = 'memory'
  if (backend === 'pglite') {
    db = await connectPGlite(null)
    cleanup = () => db.close()
  } else {
    const name = `meridian_test_${process.pid}_${randomBytes(4).toString('hex')}`
    await admin((c) => c.query(`create database ${name}`))
    url = withDatabase(POSTGRES_URL, name)
    db = connectPostgres(url, { max: 4 })
    cleanup = async () => {
      await db.close()
      await admin((c) => c.query(`drop database if exists ${name} with (force)`))
    }
  }
  if (options.migrate !== false) await migrateToLatest(db.db)
  return Object.assign(db, { drop: cleanup, url })
}

/**
 * Runs a suite once per backend (PGlite in memory, then real PostgreSQL) on a fresh migrated
 * database; `ctx.db` is set before the suite's tests run.
 */
export function forEachBackend(name: string, suite: (ctx: { db: Db; backend: Backend }) => void, options: { migrate?: boolean } = {}): void {
  for (const backend of BACKENDS) {
    describe(`${name} [${backend}]`, () => {
      const ctx = { backend } as { db: Db; backend: Backend }
      let handle: Awaited<ReturnType<typeof createTestDatabase>> | undefined
      beforeAll(async () => {
        handle = await createTestDatabase(backend, options)
        ctx.db = handle
      })
      afterAll(async () => {
        await handle?.drop()
      })
      suite(ctx)
    })
  }
}
