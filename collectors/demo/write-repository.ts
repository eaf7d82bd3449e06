import type { Kysely } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { insertCommits } from '../shared/store/commits.ts'
import { insertDeploymentStatuses, upsertDeployments } from '../shared/store/deployments.ts'
import { upsertIncidents } from '../shared/store/incidents.ts'
import { upsertIssues } from '../shared/store/issues.ts'
import { upsertMilestones } from '../shared/store/milestones.ts'
import { upsertPullRequests } from '../shared/store/pull-requests.ts'
import { upsertRepositories } from '../shared/store/repositories.ts'
import { upsertRepositoryObservations } from '../shared/store/repository-observations.ts'
import { upsertSliSamples } from '../shared/store/sli-samples.ts'
import { upsertVulnerabilityAlerts } from '../shared/store/vulnerability-alerts.ts'
import { upsertWorkflowRuns } from '../shared/store/workflow-runs.ts'
import type { DemoRepository } from './rows.ts'

/** Rows written per table. */
export type TableCounts = Record<string, number>

function idOf(ids: Map<string, number>, key: string): number {
  const id = ids.get(key)
  if (id === undefined) throw new Error(`demo: no stored row for ${key}`)
  return id
}

/**
 * Stores one generated repository through the shared upsert helpers, resolving the rows'
 * external_id references to the ids just written. Call inside a transaction.
 */
export async function writeRepository(db: Kysely<Database>, r: DemoRepository): Promise<TableCounts> {
  const repoId = idOf(await upsertRepositories(db, [r.repository]), r.repository.full_name)
  const inRepo = <T>(rows: T[]) => rows.map((row) => ({ ...row, repo_id: repoId }))
  await insertCommits(db, inRepo(r.commits))
  await upsertPullRequests(db, inRepo(r.pullRequests))
  const deploymentIds = await upsertDeployments(db, inRepo(r.deployments))
  await insertDeploymentStatuses(db, r.deploymentStatuses.map(({ deployment, ...s }) => ({ ...s, deployment_id: idOf(deploymentIds, deployment) })))
  await upsertWorkflowRuns(db, inRepo(r.workflowRuns))
  const milestoneIds = await upsertMilestones(db, inRepo(r.milestones))
  await upsertIssues(db, inRepo(r.issues).map(({ milestone, ...i }) => ({ ...i, milestone_id: milestone === null ? null : idOf(milestoneIds, milestone) })))
  await upsertIncidents(db, r.incidents.map(({ inRepository, ...i }) => ({ ...i, repo_id: inRepository ? repoId : null })))
  await upsertVulnerabilityAlerts(db, inRepo(r.vulnerabilityAlerts))
  await upsertRepositoryObservations(db, inRepo(r.observations))
  await upsertSliSamples(db, r.sliSamples)
  return {
    repository: 1,
    commit: r.commits.length,
    pull_request: r.pullRequests.length,
    deployment: r.deployments.length,
    deployment_status: r.deploymentStatuses.length,
    workflow_run: r.workflowRuns.length,
    milestone: r.milestones.length,
    issue: r.issues.length,
    incident: r.incidents.length,
    vulnerability_alert: r.vulnerabilityAlerts.length,
    repository_observation: r.observations.length,
    sli_sample: r.sliSamples.length,
  }
}
