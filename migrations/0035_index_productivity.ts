import { type Kysely, sql } from 'kysely'

/**
 * Covering indexes for the productivity KPIs on a large organisation: changes by merge time and
 * completed CI runs by finish time (across the organisation, and per repository for team and
 * service scopes) are read from the index alone instead of the wide tables, and each author's
 * first pull request is an index probe (time to first deploy).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index pull_request_merged_at_cover_idx on pull_request (merged_at) include (state, repo_id, base_branch, created_at, first_review_at)`.execute(db)
  await sql`create index pull_request_author_created_idx on pull_request (author, created_at) include (id, repo_id, author_is_bot)`.execute(db)
  await sql`create index workflow_run_completed_idx on workflow_run (updated_at) include (repo_id, head_branch, conclusion, workflow_path, created_at, run_started_at) where status = 'completed'`.execute(db)
  await sql`create index workflow_run_repo_completed_idx on workflow_run (repo_id, updated_at) include (head_branch, conclusion, workflow_path, created_at, run_started_at) where status = 'completed'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('workflow_run_repo_completed_idx').execute()
  await db.schema.dropIndex('workflow_run_completed_idx').execute()
  await db.schema.dropIndex('pull_request_author_created_idx').execute()
  await db.schema.dropIndex('pull_request_merged_at_cover_idx').execute()
}
