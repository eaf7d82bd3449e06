import type { Kysely } from 'kysely'
import type { Database } from '../../../server/db/schema.ts'
import { inTransaction } from '../transaction.ts'

/** A team as a source defines it: the repositories (owner/name or owner/*) and services it owns. */
export interface TeamDefinition {
  id: string
  name: string
  repos: readonly string[]
  services: readonly string[]
}

/**
 * Upserts `source`'s teams and replaces each one's repositories and services, in one
 * transaction. A team id already owned by another source is left alone. Returns the ids written.
 */
export async function upsertTeams(db: Kysely<Database>, source: string, teams: readonly TeamDefinition[]): Promise<string[]> {
  if (teams.length === 0) return []
  return inTransaction(db, async (trx) => {
    const owned = await trx
      .insertInto('team')
      .values(teams.map((t) => ({ id: t.id, name: t.name, source })))
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ name: eb.ref('excluded.name') })).where('team.source', '=', source))
      .returning('id')
      .execute()
    const ids = new Set(owned.map((t) => t.id))
    if (ids.size === 0) return []
    const mine = teams.filter((t) => ids.has(t.id))
    await trx.deleteFrom('team_repo').where('team_id', 'in', [...ids]).execute()
    await trx.deleteFrom('team_service').where('team_id', 'in', [...ids]).execute()
    const repos = mine.flatMap((t) => [...new Set(t.repos)].map((pattern) => ({ team_id: t.id, pattern })))
    const services = mine.flatMap((t) => [...new Set(t.services)].map((service) => ({ team_id: t.id, service })))
    if (repos.length > 0) await trx.insertInto('team_repo').values(repos).execute()
    if (services.length > 0) await trx.insertInto('team_service').values(services).execute()
    return mine.map((t) => t.id)
  })
}
