import { readdirSync } from 'node:fs'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { migrateAllDown, migrateToLatest, pendingMigrations } from '../../server/db/migrate.ts'
import { forEachBackend } from '../support/databases.ts'

const MIGRATION_FILES = readdirSync(new URL('../../migrations/', import.meta.url)).filter((f) => f.endsWith('.ts')).sort()

const DOMAIN_TABLES = [
  'api_token', 'audit_log', 'commit', 'data_version_state', 'deployment', 'deployment_change', 'deployment_failure', 'deployment_ref', 'deployment_rework', 'deployment_status',
  'incident', 'incident_deployment', 'issue', 'kpi_hot_key', 'kpi_value_cache', 'measurement', 'measurement_history', 'milestone', 'pull_request',
  'repository', 'repository_observation', 'sli_sample', 'snapshot', 'sync_lock', 'sync_state', 'team', 'team_repo', 'team_service',
  'vulnerability_alert', 'webhook_delivery', 'workflow_run',
]

/** Tables holding rows from a source: each has a unique (source, external_id) for idempotent upserts. */
const SOURCED_TABLES = ['deployment', 'incident', 'issue', 'milestone', 'pull_request', 'repository', 'vulnerability_alert', 'workflow_run']

forEachBackend(
  'migrations',
  (ctx) => {
    const tables = async () => {
      const { rows } = await sql<{ name: string }>`
        select table_name as name from information_schema.tables
        where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(ctx.db.db)
      return rows.map((r) => r.name)
    }

    it('migrates up, fully down and up again', async () => {
      expect(await tables()).toEqual([])
      expect(await migrateToLatest(ctx.db.db)).toEqual(MIGRATION_FILES.map((f) => f.replace('.ts', '')))
      expect(await tables()).toEqual(DOMAIN_TABLES)
      expect(await pendingMigrations(ctx.db.db)).toEqual([])

      expect(await migrateAllDown(ctx.db.db)).toEqual(MIGRATION_FILES.map((f) => f.replace('.ts', '')).reverse())
      expect(await tables()).toEqual([])
      expect(await pendingMigrations(ctx.db.db)).toHaveLength(MIGRATION_FILES.length)

      await migrateToLatest(ctx.db.db)
      expect(await tables()).toEqual(DOMAIN_TABLES)
      expect(await migrateToLatest(ctx.db.db)).toEqual([])
    })

    it.each(SOURCED_TABLES)('%s has a unique (source, external_id) key', async (table) => {
      const { rows } = await sql<{ columns: string }>`
        select string_agg(a.attname, ',' order by k.ord) as columns
        from pg_constraint c
        cross join lateral unnest(c.conkey) with ordinality as k(attnum, ord)
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
        where c.conrelid = ${table}::regclass and c.contype = 'u'
        group by c.oid`.execute(ctx.db.db)
      expect(rows.map((r) => r.columns)).toContain('source,external_id')
    })

    it('makes a repeated upsert on the natural key leave one row', async () => {
      const repo = { source: 'github', external_id: 'R_1', owner: 'acme', name: 'api', full_name: 'acme/api' }
      for (const name of ['api', 'api-renamed']) {
        await ctx.db.db
          .insertInto('repository')
          .values({ ...repo, name })
          .onConflict((oc) => oc.columns(['source', 'external_id']).doUpdateSet({ name }))
          .execute()
      }
      const rows = await ctx.db.db.selectFrom('repository').select(['name', 'topics']).execute()
      expect(rows).toEqual([{ name: 'api-renamed', topics: [] }])
    })

    it('returns dates as text, counts and numerics as numbers on both drivers', async () => {
      const { rows } = await sql<{ d: string; n: number; m: number }>`select date '2026-10-05' as d, count(*) as n, 1.5::numeric as m from repository`.execute(ctx.db.db)
      expect(rows).toEqual([{ d: '2026-10-05', n: 1, m: 1.5 }])
    })
  },
  { migrate: false },
)
