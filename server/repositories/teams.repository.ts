import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

export interface TeamRow {
  id: string
  name: string
  source: string
  repos: string[]
  services: string[]
}

/** Every team with the repository patterns and services it owns, ordered by name. */
export async function listTeams(db: Kysely<Database>): Promise<TeamRow[]> {
  const [teams, repos, services] = await Promise.all([
    db.selectFrom('team').select(['id', 'name', 'source']).orderBy('name').execute(),
    db.selectFrom('team_repo').select(['team_id', 'pattern']).orderBy('pattern').execute(),
    db.selectFrom('team_service').select(['team_id', 'service']).orderBy('service').execute(),
  ])
  return teams.map((t) => ({
    ...t,
    repos: repos.filter((r) => r.team_id === t.id).map((r) => r.pattern),
    services: services.filter((s) => s.team_id === t.id).map((s) => s.service),
  }))
}

/**
 * Makes the `config` teams in the database exactly the configured ones (repos and services
 * included), in one transaction, leaving teams of other sources (the demo) alone.
 */
export async function replaceConfigTeams(
  db: Kysely<Database>,
  teams: readonly { id: string; name: string; repos: readonly string[]; services: readonly string[] }[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('team').where('source', '=', 'config').execute()
    if (teams.length === 0) return
    await trx
      .insertInto('team')
      .values(teams.map((t) => ({ id: t.id, name: t.name, source: 'config' })))
      .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), source: eb.ref('excluded.source') })))
      .execute()
    await trx.deleteFrom('team_repo').where('team_id', 'in', teams.map((t) => t.id)).execute()
    await trx.deleteFrom('team_service').where('team_id', 'in', teams.map((t) => t.id)).execute()
    const repos = teams.flatMap((t) => [...new Set(t.repos)].map((pattern) => ({ team_id: t.id, pattern })))
    const services = teams.flatMap((t) => [...new Set(t.services)].map((service) => ({ team_id: t.id, service })))
    if (repos.length > 0) await trx.insertInto('team_repo').values(repos).execute()
    if (services.length > 0) await trx.insertInto('team_service').values(services).execute()
  })
}
