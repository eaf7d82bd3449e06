import { readdir } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { type Kysely, type Migration, type MigrationProvider, type MigrationResultSet, Migrator, NO_MIGRATIONS } from 'kysely'

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))

/** Loads migrations/NNNN_name.ts in name order. */
class DirectoryMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.ts$/.test(f)).sort()
    const out: Record<string, Migration> = {}
    for (const f of files) out[f.replace(/\.ts$/, '')] = (await import(pathToFileURL(join(this.dir, f)).href)) as Migration
    return out
  }
}

function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: new DirectoryMigrationProvider(MIGRATIONS_DIR) })
}

/** Throws the first failure of a migration run, naming the migration. */
function check({ error, results }: MigrationResultSet): string[] {
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    const where = failed ? `migration ${failed.migrationName} failed: ` : 'migrations failed: '
    throw new Error(where + (error instanceof Error ? error.message : String(error)), { cause: error })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return check(await migrator(db).migrateToLatest())
}

/** Reverts every migration; returns the names reverted, newest first. */
export async function migrateAllDown(db: Kysely<any>): Promise<string[]> {
  return check(await migrator(db).migrateTo(NO_MIGRATIONS))
}

/** Reverts the newest migration. */
export async function migrateDownOne(db: Kysely<any>): Promise<string[]> {
  return check(await migrator(db).migrateDown())
}

/** Names of migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const all = await migrator(db).getMigrations()
  return all.filter((m) => !m.executedAt).map((m) => m.name)
}
