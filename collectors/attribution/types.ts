import type { FailureReason } from '../../server/db/schema.ts'

/**
 * A successful production deployment, as attribution sees it. `repoId` is the repository whose
 * commit graph its SHA belongs to (its own, else its service's only one), null when unknown.
 */
export interface AttrDeployment {
  id: number
  service: string
  repoId: number | null
  sha: string | null
  /** Epoch milliseconds. */
  finishedAt: number
  externalId?: string
}

/** A change: a pull request merged into its repository's default branch. */
export interface AttrChange {
  id: number
  repoId: number
  number: number
  title: string
  body: string | null
  labels: readonly string[]
  /** Epoch milliseconds. */
  mergedAt: number
  mergeCommitSha: string | null
  revertOfRepo: string | null
  revertOfNumber: number | null
}

export type ShipMethod = 'sha' | 'time' | 'explicit'

/** What a deployment names as shipped (`deployment_ref`): a PR number, or a commit SHA (7+ hex, lower case). */
export interface DeploymentRef {
  kind: 'pull_request' | 'commit'
  value: string
}

/** Which deployment shipped a change (a `deployment_change` row). */
export interface ShippingLink {
  pullRequestId: number
  deploymentId: number
  method: ShipMethod
}

/** Why a deployment failed (a `deployment_failure` row). */
export interface FailureLink {
  deploymentId: number
  reason: FailureReason
  causeKey: string
  remediationDeploymentId: number | null
}

/** Which deployment an incident is attributed to (an `incident_deployment` row). */
export interface IncidentLink {
  incidentId: number
  deploymentId: number
  method: 'explicit' | 'window'
}

/** A deployed SHA the repository's stored commit graph does not hold: fetch it with GitHub compare. */
export interface UnknownSha {
  repoId: number
  sha: string
  deploymentIds: number[]
}

export const HOUR_MS = 3_600_000
export const DAY_MS = 24 * HOUR_MS

/** Deployments in finish order; equal finish times in id order. */
export function byFinish(a: { finishedAt: number; id: number }, b: { finishedAt: number; id: number }): number {
  return a.finishedAt - b.finishedAt || a.id - b.id
}

/** Whether deployment `a` comes after deployment `b` in finish order. */
export function isLater(a: { finishedAt: number; id: number }, b: { finishedAt: number; id: number }): boolean {
  return byFinish(a, b) > 0
}

/** Cause keys, one per cause: what failed a deployment, named by the row that decided it. */
export const causeKey = {
  rollback: (rollbackDeploymentId: number) => `rollback:${rollbackDeploymentId}`,
  revert: (revertPullRequestId: number) => `revert:pr:${revertPullRequestId}`,
  hotfix: (hotfixPullRequestId: number) => `hotfix:pr:${hotfixPullRequestId}`,
  hotfixForIncident: (hotfixPullRequestId: number, incidentId: number) => `hotfix:pr:${hotfixPullRequestId}:incident:${incidentId}`,
  incident: (incidentId: number) => `incident:${incidentId}`,
} as const
