import type { Kysely } from 'kysely'
import type { AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import { Catalog } from './catalog.ts'

/** Repositories, teams (as stored: configured or demo) and the repo → service map, as a Catalog. */
export async function loadCatalog(db: Kysely<Database>, config: AppConfig): Promise<Catalog> {
  const [repositories, teamRepos, teamServices] = await Promise.all([
    db.selectFrom('repository').select(['id', 'full_name', 'name', 'default_branch']).orderBy('id').execute(),
    db.selectFrom('team_repo').select(['team_id', 'pattern']).orderBy('team_id').orderBy('pattern').execute(),
    db.selectFrom('team_service').select(['team_id', 'service']).orderBy('team_id').orderBy('service').execute(),
  ])
  return new Catalog({ repositories, teamRepos, teamServices, serviceMap: config.sources.github?.services ?? {} })
}
