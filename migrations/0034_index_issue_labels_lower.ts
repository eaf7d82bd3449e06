import { type Kysely, sql } from 'kysely'

/**
 * Issue labels lower-cased, indexed: the bug, escaped and tech-debt KPIs match the configured
 * labels ignoring case, and on a large organisation testing every issue's labels one by one
 * costs more than the rest of the query. The function is immutable so an index can hold it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function lower_labels(labels text[]) returns text[] language sql immutable strict parallel safe
    as $$ select coalesce(array_agg(lower(l)), '{}') from unnest(labels) as l $$`.execute(db)
  await sql`create index issue_labels_lower_idx on issue using gin (lower_labels(labels))`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('issue_labels_lower_idx').execute()
  await sql`drop function lower_labels(text[])`.execute(db)
}
