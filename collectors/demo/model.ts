import type { Severity } from '../../server/db/schema.ts'
import type { OrgPlan, Person, RepoPlan } from './org-plan.ts'
import type { Rng } from './prng.ts'

/**
 * The demo's in-memory model of one repository's history before it becomes rows. Items link to
 * each other by reference; numbers (shared by PRs and issues, in creation order) are assigned last.
 */

export interface Numbered {
  /** Creation order within the repository, to break ties between equal timestamps. */
  seq: number
  number: number
  createdAt: number
}

export interface PrItem extends Numbered {
  kind: 'change' | 'dependency' | 'revert' | 'hotfix'
  title: string
  author: string
  isBot: boolean
  labels: string[]
  firstCommitAt: number
  firstReviewAt: number | null
  reviewer: string | null
  mergedAt: number | null
  closedAt: number | null
  additions: number
  deletions: number
  revertOf?: PrItem
  /** What a hotfix's body names (`Fixes #N`). */
  fixes?: PrItem | IncidentItem
  /** An incident a follow-up change names in its body (an incident-linked change). */
  followUpOf?: IncidentItem
  mergeSha?: string
  mainIndex?: number
  shippedBy?: DeployItem
}

export interface Commit {
  index: number
  sha: string
  parent: string | null
  at: number
  pr: PrItem | null
}

export interface DeployItem {
  externalId: string
  environment: 'production' | 'staging'
  kind: 'release' | 'retry' | 'rollback' | 'remediation'
  sha: string
  mainIndex: number
  createdAt: number
  startedAt: number
  finishedAt: number | null
  status: 'success' | 'failure' | null
  creator: string
}

export interface IncidentItem {
  source: 'pagerduty' | 'github'
  /** PagerDuty's incident id (the GitHub ones are named by their issue number). */
  pagerdutyId: string | null
  pagerdutyNumber: number | null
  issue: IssueItem | null
  titleKey: string
  title: string
  severity: Severity | null
  startedAt: number
  acknowledgedAt: number | null
  resolvedAt: number | null
  isSecurity: boolean
  rootCauseKey: string
  customerImpact: boolean
  causedBySha: string | null
  /** The deployment that really caused it, when one did (attribution is still computed by the rules). */
  causedBy: DeployItem | null
}

export interface MilestoneItem {
  number: number
  title: string
  createdAt: number
  dueOn: number
  closedAt: number | null
}

export interface IssueItem extends Numbered {
  kind: 'bug' | 'tech-debt' | 'feature' | 'incident'
  title: string
  body: string
  author: string
  labels: string[]
  closedAt: number | null
  milestone: MilestoneItem | null
  incident: IncidentItem | null
}

/** Everything generated for one repository, shared by the generation steps. */
export interface RepoContext {
  org: OrgPlan
  repo: RepoPlan
  rng: Rng
  /** Years of history (months / 12). */
  years: number
  prs: PrItem[]
  issues: IssueItem[]
  commits: Commit[]
  deployments: DeployItem[]
  incidents: IncidentItem[]
  milestones: MilestoneItem[]
  nextSeq(): number
  /** Team members who had joined by `t`. */
  activePeople(t: number): Person[]
}
