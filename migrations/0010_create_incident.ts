import { type Kysely, sql } from 'kysely'

/**
 * Incidents from every tool, normalised. `caused_by_*` hold what the source says explicitly about
 * the cause (a SHA, a PR number, a deployment's external id) for attribution.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incident')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('repo_id', 'integer', (c) => c.references('repository.id').onDelete('cascade'))
    .addColumn('service', 'text')
    .addColumn('team_id', 'text')
    .addColumn('severity', 'text', (c) => c.check(sql`severity in ('sev1', 'sev2', 'sev3', 'sev4', 'sev5')`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('is_security', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('root_cause_key', 'text')
    .addColumn('customer_impact', 'boolean')
    .addColumn('labels', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('caused_by_sha', 'text')
    .addColumn('caused_by_pr', 'integer')
    .addColumn('caused_by_deployment', 'text')
    .addColumn('url', 'text')
    .addColumn('updated_at', 'timestamptz')
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('incident_source_external_id_key', ['source', 'external_id'])
    .execute()
  await db.schema.createIndex('incident_service_started_idx').on('incident').columns(['service', 'started_at']).execute()
  await db.schema.createIndex('incident_root_cause_idx').on('incident').columns(['root_cause_key', 'started_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('incident').execute()
}
