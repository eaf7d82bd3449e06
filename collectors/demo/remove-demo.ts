import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely'
import type { Database } from '../../server/db/schema.ts'

/** Every demo row's external_id starts with this; demo teams, SLI samples and measurements use source 'demo'. */
export const DEMO_PREFIX = 'demo:'
export const DEMO_SOURCE = 'demo'

type Condition = (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>

/**
 * Removes a table's demo rows. A table holding nothing else is truncated: deleting leaves dead
 * tuples that every later foreign-key check on an unindexed column (deployment_failure's
 * remediation_deployment_id, issue's milestone_id) scans once per deleted parent row, which
 * took minutes at the large scale. Only tables no foreign key points at are passed here.
 */
async function clear(trx: Kysely<any>, table: string, isDemo: Condition): Promise<void> {
  // Writers wait until commit, so no row can arrive between the check and the truncate.
  await sql`lock table ${sql.table(table)} in share row exclusive mode`.execute(trx)
  const other = await trx
    .selectFrom(table)
    .select(sql.lit(1).as('one'))
    .where((eb) => sql<SqlBool>`not coalesce(${isDemo(eb)}, false)`)
    .limit(1)
    .executeTakeFirst()
  if (other) await trx.deleteFrom(table).where(isDemo).execute()
  else await sql`truncate table ${sql.table(table)}`.execute(trx)
}

/**
 * Deletes the demo organisation — every row whose external_id starts with `demo:`, the rows that
 * hang off them, the demo's teams, SLI samples and measurements, and its sync_state marker — in
 * one transaction, leaving every other row alone.
 */
export async function removeDemo(db: Kysely<Database>): Promise<void> {
  const demo = `${DEMO_PREFIX}%`
  await db.transaction().execute(async (trx) => {
    const t = trx as unknown as Kysely<any>
    const ids = (table: 'deployment' | 'pull_request' | 'incident' | 'repository') => t.selectFrom(table).select('id').where('external_id', 'like', demo)
    const byExternalId: Condition = (eb) => eb('external_id', 'like', demo)
    await clear(t, 'deployment_failure', (eb) => eb.or([eb('deployment_id', 'in', ids('deployment')), eb('remediation_deployment_id', 'in', ids('deployment'))]))
    await clear(t, 'incident_deployment', (eb) => eb.or([eb('incident_id', 'in', ids('incident')), eb('deployment_id', 'in', ids('deployment'))]))
    await clear(t, 'deployment_change', (eb) => eb.or([eb('pull_request_id', 'in', ids('pull_request')), eb('deployment_id', 'in', ids('deployment'))]))
    await clear(t, 'deployment_status', (eb) => eb('deployment_id', 'in', ids('deployment')))
    await clear(t, 'issue', byExternalId)
    await clear(t, 'workflow_run', byExternalId)
    await clear(t, 'vulnerability_alert', byExternalId)
    await clear(t, 'commit', (eb) => eb('repo_id', 'in', ids('repository')))
    await clear(t, 'repository_observation', (eb) => eb('repo_id', 'in', ids('repository')))
    await clear(t, 'sli_sample', (eb) => eb('source', '=', DEMO_SOURCE))
    for (const table of ['deployment', 'incident', 'milestone', 'pull_request', 'repository'] as const) {
      await trx.deleteFrom(table).where('external_id', 'like', demo).execute()
    }
    await trx.deleteFrom('measurement').where('source', '=', DEMO_SOURCE).execute()
    await trx.deleteFrom('team').where('source', '=', DEMO_SOURCE).execute()
    await trx.deleteFrom('sync_state').where('source', '=', DEMO_SOURCE).where('scope', '=', 'org').execute()
  })
}
