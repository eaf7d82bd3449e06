import { type Kysely, sql } from 'kysely'

/**
 * What a repository looked like on a day: scanning switched on and the platform adoption rule.
 * 'unknown' where the token lacked the rights to see (GitHub answers 403), never 'disabled'.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('repository_observation')
    .addColumn('repo_id', 'integer', (c) => c.notNull().references('repository.id').onDelete('cascade'))
    .addColumn('observed_on', 'date', (c) => c.notNull())
    .addColumn('archived', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('dependabot_alerts', 'text', (c) => c.notNull().check(sql`dependabot_alerts in ('enabled', 'disabled', 'unknown')`))
    .addColumn('code_scanning', 'text', (c) => c.notNull().check(sql`code_scanning in ('enabled', 'disabled', 'unknown')`))
    .addColumn('adoption', 'text', (c) => c.notNull().check(sql`adoption in ('yes', 'no', 'unknown')`))
    .addColumn('collected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('repository_observation_pkey', ['repo_id', 'observed_on'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('repository_observation').execute()
}
