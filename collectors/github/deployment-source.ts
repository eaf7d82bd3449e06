import { type Kysely, sql } from 'kysely'
import type { GitHubConfig } from '../../server/config/app-config.ts'
import type { Database, DeploymentSource } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import { upsertDeployments } from '../shared/store/deployments.ts'
import { isDeployRun, runDeployment } from './mappers.ts'
import type { RepoTarget } from './targets.ts'

const SOURCE_OF = { deployments: 'github_deployment', workflow_runs: 'workflow_run' } as const satisfies Record<string, DeploymentSource>

/**
 * Applies `deployments.from` to one repository: its deployments come from the first listed
 * source that has production deployments for it, so a deploy is never counted twice. From
 * Actions, completed runs of the deploy workflows on the deploy branch become deployments
 * (success → success, failure → failure, others ignored). Once a source is chosen, deployments
 * stored from the other one are removed. Returns the source chosen (null: none has production deployments) and rows written.
 */
export async function applyDeploymentSource(db: Kysely<Database>, gh: GitHubConfig, repo: RepoTarget): Promise<{ source: DeploymentSource | null; rows: number }> {
  const ctx = { fullName: repo.fullName, service: repo.service, isProduction: repo.isProduction }
  const runs = await db
    .selectFrom('workflow_run')
    .select(['external_id', 'workflow_path', 'status', 'conclusion', 'head_sha', 'head_branch', 'created_at', 'run_started_at', 'updated_at', 'url'])
    .where('repo_id', '=', repo.id)
    .where('head_branch', '=', gh.deployments.branch)
    .where('status', '=', 'completed')
    .execute()
  const runDeployments = runs
    .filter((r) => isDeployRun(r, gh.deployments.workflows, gh.deployments.branch))
    .map((r) => runDeployment(r, ctx))
    .filter((d): d is NonNullable<typeof d> => d !== null)
    .map((d) => ({ ...d, repo_id: repo.id }))
  let chosen: DeploymentSource | null = null
  for (const from of gh.deployments.from) {
    if (from === 'deployments') {
      const row = await db
        .selectFrom('deployment')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('repo_id', '=', repo.id)
        .where('source', '=', 'github_deployment')
        .where('is_production', '=', true)
        .executeTakeFirst()
      if ((row?.n ?? 0) > 0) chosen = SOURCE_OF.deployments
    } else if (from === 'workflow_runs') {
      if (runDeployments.some((d) => d.is_production)) chosen = SOURCE_OF.workflow_runs
    }
    if (chosen) break
  }
  if (!chosen) return { source: null, rows: 0 }
  const managed = Object.values(SOURCE_OF).filter((s) => s !== chosen)
  return inTransaction(db, async (trx) => {
    await trx.deleteFrom('deployment').where('repo_id', '=', repo.id).where('source', 'in', managed).execute()
    if (chosen !== SOURCE_OF.workflow_runs) return { source: chosen, rows: 0 }
    await upsertDeployments(trx, runDeployments)
    return { source: chosen, rows: runDeployments.length }
  })
}
