import type { Insertable } from 'kysely'
import type {
  CommitTable,
  DeploymentStatusTable,
  DeploymentTable,
  IncidentTable,
  IssueTable,
  MilestoneTable,
  PullRequestTable,
  RepositoryObservationTable,
  RepositoryTable,
  SliSampleTable,
  VulnerabilityAlertTable,
  WorkflowRunTable,
} from '../../server/db/schema.ts'

/** A row of a table whose repo_id the loader fills in once the repository is stored. */
type InRepo<T> = Omit<Insertable<T>, 'repo_id'>

/**
 * Everything the demo generates for one repository, ready to store. Rows that refer to other
 * rows do so by external_id (`deployment`, `milestone`), since ids exist only once stored.
 * Which deployment shipped a change, failed, or caused an incident is not generated: the loader
 * runs the product's attribution over the stored rows once every repository is written.
 */
export interface DemoRepository {
  repository: Insertable<RepositoryTable>
  commits: InRepo<CommitTable>[]
  pullRequests: InRepo<PullRequestTable>[]
  deployments: InRepo<DeploymentTable>[]
  deploymentStatuses: (Omit<Insertable<DeploymentStatusTable>, 'deployment_id'> & { deployment: string })[]
  workflowRuns: InRepo<WorkflowRunTable>[]
  milestones: InRepo<MilestoneTable>[]
  issues: (Omit<InRepo<IssueTable>, 'milestone_id'> & { milestone: string | null })[]
  /** `inRepository`: a GitHub incident issue of this repository (PagerDuty's have no repository). */
  incidents: (InRepo<IncidentTable> & { inRepository: boolean })[]
  vulnerabilityAlerts: InRepo<VulnerabilityAlertTable>[]
  observations: InRepo<RepositoryObservationTable>[]
  sliSamples: Insertable<SliSampleTable>[]
}
