import type { Kysely } from 'kysely'

/**
 * Indexes on foreign keys that had none: without them, deleting a deployment or a milestone
 * scans the whole referencing table (removing the large demo took minutes).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('deployment_failure_remediation_idx').on('deployment_failure').column('remediation_deployment_id').execute()
  await db.schema.createIndex('issue_milestone_idx').on('issue').column('milestone_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('issue_milestone_idx').execute()
  await db.schema.dropIndex('deployment_failure_remediation_idx').execute()
}
