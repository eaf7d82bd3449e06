import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

/** A timestamptz: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>
/** A date column, read as 'YYYY-MM-DD' (both drivers are configured to leave dates as text). */
type DateText = ColumnType<string, string, string>
type Json = ColumnType<unknown, string, string>

export interface RepositoryTable {
  id: Generated<number>
  source: string
  external_id: string
  owner: string
  name: string
  full_name: string
  default_branch: Generated<string>
  archived: Generated<boolean>
  topics: ColumnType<string[], string[] | undefined, string[]>
  url: string | null
  created_at: Timestamp | null
  collected_at: TimestampDefault
}

export interface TeamTable {
  id: string
  name: string
  source: string
}
export interface TeamRepoTable {
  team_id: string
  pattern: string
}
export interface TeamServiceTable {
  team_id: string
  service: string
}

export interface CommitTable {
  repo_id: number
  sha: string
  parents: ColumnType<string[], string[] | undefined, string[]>
  authored_at: Timestamp | null
  committed_at: Timestamp | null
}

export type PullRequestState = 'open' | 'closed' | 'merged'
export interface PullRequestTable {
  id: Generated<number>
  source: string
  external_id: string
  repo_id: number
  number: number
  title: string
  body: string | null
  author: string | null
  author_is_bot: Generated<boolean>
  state: PullRequestState
  base_branch: string
  labels: ColumnType<string[], string[] | undefined, string[]>
  created_at: Timestamp
  first_commit_at: Timestamp | null
  first_review_at: Timestamp | null
  first_reviewer: string | null
  merged_at: Timestamp | null
  closed_at: Timestamp | null
  merge_commit_sha: string | null
  revert_of_repo: string | null
  revert_of_number: number | null
  additions: number | null
  deletions: number | null
  url: string | null
  updated_at: Timestamp
  collected_at: TimestampDefault
}

export type DeploymentSource = 'github_deployment' | 'workflow_run' | 'release' | 'api' | 'webhook'
export type DeploymentOutcome = 'success' | 'failure'
export interface DeploymentTable {
  id: Generated<number>
  source: DeploymentSource
  external_id: string
  repo_id: number | null
  service: string
  environment: string
  is_production: boolean
  sha: string | null
  ref: string | null
  status: DeploymentOutcome | null
  created_at: Timestamp
  started_at: Timestamp | null
  finished_at: Timestamp | null
  creator: string | null
  url: string | null
  collected_at: TimestampDefault
}

export interface DeploymentStatusTable {
  deployment_id: number
  external_id: string
  state: string
  created_at: Timestamp
  description: string | null
  log_url: string | null
  collected_at: TimestampDefault
}

export interface DeploymentChangeTable {
  pull_request_id: number
  deployment_id: number
  method: 'sha' | 'time' | 'explicit'
  linked_at: TimestampDefault
}

/** A pull request (number) or commit (SHA or prefix) a deployment names as shipped (ingest API). */
export interface DeploymentRefTable {
  deployment_id: number
  kind: 'pull_request' | 'commit'
  value: string
}

/** A rework deployment (DESIGN §4, `dora.rework_rate`): why it counts; at least one flag is set. */
export interface DeploymentReworkTable {
  deployment_id: number
  rollback: boolean
  revert: boolean
  hotfix: boolean
  incident_linked: boolean
}

export type FailureReason = 'rollback' | 'revert' | 'hotfix' | 'incident'
export interface DeploymentFailureTable {
  deployment_id: number
  reason: FailureReason
  cause_key: string
  remediation_deployment_id: number | null
  linked_at: TimestampDefault
}

export interface WorkflowRunTable {
  id: Generated<number>
  source: string
  external_id: string
  repo_id: number
  workflow_path: string
  name: string | null
  event: string | null
  head_branch: string | null
  head_sha: string | null
  status: string
  conclusion: string | null
  created_at: Timestamp
  run_started_at: Timestamp | null
  updated_at: Timestamp
  url: string | null
  collected_at: TimestampDefault
}

export type Severity = 'sev1' | 'sev2' | 'sev3' | 'sev4' | 'sev5'
export interface IncidentTable {
  id: Generated<number>
  source: string
  external_id: string
  reference: string | null
  repo_id: number | null
  service: string | null
  team_id: string | null
  severity: Severity | null
  title: string
  status: string | null
  started_at: Timestamp
  acknowledged_at: Timestamp | null
  resolved_at: Timestamp | null
  is_security: Generated<boolean>
  root_cause_key: string | null
  customer_impact: boolean | null
  labels: ColumnType<string[], string[] | undefined, string[]>
  caused_by_sha: string | null
  caused_by_pr: number | null
  caused_by_deployment: string | null
  url: string | null
  updated_at: Timestamp | null
  collected_at: TimestampDefault
}

export interface IncidentDeploymentTable {
  incident_id: number
  deployment_id: number
  method: 'explicit' | 'window'
  linked_at: TimestampDefault
}

export interface MilestoneTable {
  id: Generated<number>
  source: string
  external_id: string
  repo_id: number
  number: number
  title: string
  state: string
  due_on: Timestamp | null
  created_at: Timestamp
  closed_at: Timestamp | null
  url: string | null
  collected_at: TimestampDefault
}

export interface IssueTable {
  id: Generated<number>
  source: string
  external_id: string
  repo_id: number
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  author: string | null
  labels: ColumnType<string[], string[] | undefined, string[]>
  milestone_id: number | null
  created_at: Timestamp
  closed_at: Timestamp | null
  updated_at: Timestamp
  url: string | null
  collected_at: TimestampDefault
}

export interface VulnerabilityAlertTable {
  id: Generated<number>
  source: string
  external_id: string
  repo_id: number
  number: number | null
  state: 'open' | 'fixed' | 'dismissed' | 'auto_dismissed'
  severity: 'critical' | 'high' | 'medium' | 'low'
  package: string | null
  created_at: Timestamp
  fixed_at: Timestamp | null
  dismissed_at: Timestamp | null
  url: string | null
  updated_at: Timestamp | null
  collected_at: TimestampDefault
}

export type Tristate = 'enabled' | 'disabled' | 'unknown'
export interface RepositoryObservationTable {
  repo_id: number
  observed_on: DateText
  archived: Generated<boolean>
  dependabot_alerts: Tristate
  code_scanning: Tristate
  adoption: 'yes' | 'no' | 'unknown'
  collected_at: TimestampDefault
}

export interface SliSampleTable {
  source: string
  slo_id: string
  service: string | null
  interval_start: Timestamp
  interval_end: Timestamp
  good: number
  total: number
  collected_at: TimestampDefault
}

export interface MeasurementTable {
  id: Generated<number>
  kpi_id: string
  scope: string
  period_start: DateText
  period_end: DateText
  value: number
  components: Json | null
  note: string | null
  source: string
  entered_by: string
  entered_at: TimestampDefault
}

export interface MeasurementHistoryTable {
  id: Generated<number>
  measurement_id: number
  value_before: number | null
  value_after: number
  components_before: Json | null
  components_after: Json | null
  changed_by: string
  changed_at: TimestampDefault
  source: string
}

export interface SyncStateTable {
  source: string
  scope: string
  cursor: Json | null
  last_started_at: Timestamp | null
  last_success_at: Timestamp | null
  last_error: string | null
  last_error_at: Timestamp | null
  rows_written: Generated<number>
  request_count: Generated<number>
  updated_at: TimestampDefault
}

export interface SnapshotTable {
  id: string
  period: string
  scope: string
  title: string
  commentary: string | null
  content: Json
  content_hash: string
  created_by: string
  created_at: TimestampDefault
  /** The canonical JSON text the hash is computed over (migration 0039). */
  document: string | null
  partial: Generated<boolean>
}

export interface ApiTokenTable {
  id: Generated<number>
  name: string
  token_hash: string
  prefix: string
  scopes: string[]
  team_id: string | null
  created_by: string
  created_at: TimestampDefault
  expires_at: Timestamp | null
  last_used_at: Timestamp | null
  revoked_at: Timestamp | null
}

export interface AuditLogTable {
  id: Generated<number>
  at: TimestampDefault
  actor: string
  action: string
  target_type: string
  target_id: string | null
  before: Json | null
  after: Json | null
  request_id: string | null
  ip: string | null
}

export interface SyncLockTable {
  source: string
  scope: string
  holder: string
  acquired_at: TimestampDefault
  expires_at: Timestamp
}

export interface WebhookDeliveryTable {
  source: string
  delivery_id: string
  event: string
  received_at: TimestampDefault
  processed_at: Timestamp | null
  error: string | null
}

/** The whole schema as the migrations leave it. */
/** A bigint column: pg returns a string, PGlite may return a number or bigint; read it with String(). */
type Int8 = ColumnType<string | number | bigint, string | number | bigint, string | number | bigint>

/** One row: the version KPI caches are keyed by (bumped after every write that can change a KPI). */
export interface DataVersionStateTable {
  id: Generated<boolean>
  version: Int8
}

/** Values a collect precomputed for one data version (migrations/0038). */
export interface KpiValueCacheTable {
  key: string
  version: Int8
  fingerprint: string
  values: string
  computed_at: Date
}

/** (KPI × scope × range) keys the server was asked for, and when last. */
export interface KpiHotKeyTable {
  key: string
  kpi_id: string
  scope: string
  period: string
  range_start: Date
  range_end: Date
  last_used_at: Date
}

export interface Database {
  repository: RepositoryTable
  team: TeamTable
  team_repo: TeamRepoTable
  team_service: TeamServiceTable
  commit: CommitTable
  pull_request: PullRequestTable
  deployment: DeploymentTable
  deployment_status: DeploymentStatusTable
  deployment_change: DeploymentChangeTable
  deployment_ref: DeploymentRefTable
  deployment_failure: DeploymentFailureTable
  deployment_rework: DeploymentReworkTable
  workflow_run: WorkflowRunTable
  incident: IncidentTable
  incident_deployment: IncidentDeploymentTable
  milestone: MilestoneTable
  issue: IssueTable
  vulnerability_alert: VulnerabilityAlertTable
  repository_observation: RepositoryObservationTable
  sli_sample: SliSampleTable
  measurement: MeasurementTable
  measurement_history: MeasurementHistoryTable
  sync_state: SyncStateTable
  snapshot: SnapshotTable
  api_token: ApiTokenTable
  audit_log: AuditLogTable
  sync_lock: SyncLockTable
  webhook_delivery: WebhookDeliveryTable
  data_version_state: DataVersionStateTable
  kpi_value_cache: KpiValueCacheTable
  kpi_hot_key: KpiHotKeyTable
}

export type Repository = Selectable<RepositoryTable>
export type NewPullRequest = Insertable<PullRequestTable>
export type NewDeployment = Insertable<DeploymentTable>
export type NewIncident = Insertable<IncidentTable>
