import { mkdirSync } from 'node:fs'
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { PGliteDialect } from './pglite-dialect.ts'
import type { Database } from './schema.ts'

export type DbKind = 'pglite' | 'postgres'

/** An open database: the kysely handle, which engine is behind it, and how to close it. */
export interface Db {
  db: Kysely<Database>
  kind: DbKind
  /** Where it lives, without credentials: a directory, `memory`, or host:port/database. */
  location: string
  close(): Promise<void>
}

// The drivers disagree on these types; both are told to return the same thing: dates stay
// 'YYYY-MM-DD' text (no local-midnight Date), int8 and numeric become numbers (counts and
// percentiles here stay far below 2^53).
const DATE = 1082
const INT8 = 20
const NUMERIC = 1700
const toNumber = (v: string) => (v === null ? v : Number(v))
const identity = (v: string) => v

/** Describes a PostgreSQL URL without its password, for logs and /readyz. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}:${u.port || 5432}${u.pathname}`
  } catch {
    return 'postgres'
  }
}

/** Opens PostgreSQL through a pg pool. */
export function connectPostgres(url: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // Under the 2 s in which an outage must turn into a 503.
    connectionTimeoutMillis: 1_500,
    // A server that accepts connections but never answers must not hold requests forever.
    query_timeout: 30_000,
    // KPI queries are short aggregations whose inflated cost estimates trigger JIT compilation
    // that takes longer than the query itself (measured on the large demo).
    options: '-c jit=off',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === DATE) return identity
        if (oid === INT8 || oid === NUMERIC) return toNumber
        return pg.types.getTypeParser(oid, format)
      }) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', () => {})
  // Nor a checked-out one (pg-pool removes its own listener while a client is in use): the failure
  // reaches the caller through its next query, and the pool discards the client on release.
  pool.on('connect', (client) => client.on('error', () => {}))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, kind: 'postgres', location: describeUrl(url), close: () => db.destroy() }
}

/** Opens embedded PGlite persisted in `dataDir`, or in memory when dataDir is null. */
export async function connectPGlite(dataDir: string | null): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const pglite = await PGlite.create(dataDir ?? undefined, {
    parsers: {
      [pgliteTypes.DATE]: identity,
      [pgliteTypes.INT8]: toNumber,
      [pgliteTypes.NUMERIC]: toNumber,
    },
  })
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
  return { db, kind: 'pglite', location: dataDir ?? 'memory', close: () => db.destroy() }
}

/** PostgreSQL when a URL is given, else PGlite persisted under `<dataDir>/pglite`. */
export async function connect(settings: { databaseUrl: string | null; dataDir: string }): Promise<Db> {
  if (settings.databaseUrl) return connectPostgres(settings.databaseUrl)
  return connectPGlite(`${settings.dataDir}/pglite`)
}
