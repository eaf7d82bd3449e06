import { type Kysely, sql } from 'kysely'

/**
 * Why a successful production deployment is rework (DESIGN §4, `dora.rework_rate`): it is a
 * rollback, or it ships a revert, a hotfix-labelled change or an incident-linked change.
 * Attribution writes one row per rework deployment (at least one flag set), so the rework rate
 * is one indexed join instead of re-reading pull-request bodies.
 *
 * With it, the two covering indexes the DORA queries read on a large organisation: production
 * deployments by finish time (every DORA KPI, and the earliest production deployment), and merged
 * pull requests by merge time with the timestamps lead time joins to each shipped change and the
 * columns its coverage counts by, both read from the index alone instead of the wide tables.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deployment_rework')
    .addColumn('deployment_id', 'integer', (c) => c.primaryKey().references('deployment.id').onDelete('cascade'))
    .addColumn('rollback', 'boolean', (c) => c.notNull())
    .addColumn('revert', 'boolean', (c) => c.notNull())
    .addColumn('hotfix', 'boolean', (c) => c.notNull())
    .addColumn('incident_linked', 'boolean', (c) => c.notNull())
    .addCheckConstraint('deployment_rework_any_check', sql`rollback or revert or hotfix or incident_linked`)
    .execute()
  await sql`create index deployment_production_finished_idx on deployment (finished_at) include (id, service, repo_id, status) where is_production`.execute(db)
  await sql`create index pull_request_merged_lead_idx on pull_request (merged_at) include (id, repo_id, base_branch, first_commit_at, created_at, first_review_at) where merged_at is not null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('pull_request_merged_lead_idx').execute()
  await db.schema.dropIndex('deployment_production_finished_idx').execute()
  await db.schema.dropTable('deployment_rework').execute()
}
