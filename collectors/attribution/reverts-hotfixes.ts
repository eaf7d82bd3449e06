import { hasLabel, parseIssueRefs, parseRevertsRef, revertedTitle, type IssueRef } from './references.ts'
import { causeKey, isLater, type AttrChange, type FailureLink } from './types.ts'

/** Finds changes by repository and number or title; references resolve against what it holds. */
export class ChangeIndex {
  private readonly byNumber = new Map<string, AttrChange>()
  private readonly byTitle = new Map<string, AttrChange[]>()

  /** `repoIdOf` turns a reference's `owner/repo` into a repository id (undefined: not known). */
  constructor(
    changes: readonly AttrChange[],
    private readonly repoIdOf: (fullName: string) => number | undefined,
  ) {
    for (const c of changes) {
      this.byNumber.set(`${c.repoId}#${c.number}`, c)
      const key = `${c.repoId}:${c.title}`
      const list = this.byTitle.get(key) ?? []
      list.push(c)
      this.byTitle.set(key, list)
    }
  }

  /** The change a reference written in repository `fromRepoId` names, if it is one. */
  resolve(fromRepoId: number, ref: IssueRef): AttrChange | undefined {
    const repoId = ref.repo === null ? fromRepoId : this.repoIdOf(ref.repo)
    return repoId === undefined ? undefined : this.byNumber.get(`${repoId}#${ref.number}`)
  }

  /**
   * The change a revert reverts: `revert_of_*` as the collector parsed it, else the body's
   * `Reverts owner/repo#N`, else the latest earlier change of the repository titled as in the
   * revert's `Revert "…"` title.
   */
  revertTarget(revert: AttrChange): AttrChange | undefined {
    if (revert.revertOfNumber !== null) {
      return this.resolve(revert.repoId, { repo: revert.revertOfRepo?.toLowerCase() ?? null, number: revert.revertOfNumber, closing: false })
    }
    const ref = parseRevertsRef(revert.body)
    if (ref) return this.resolve(revert.repoId, ref)
    const title = revertedTitle(revert.title)
    if (title === null) return undefined
    const earlier = (this.byTitle.get(`${revert.repoId}:${title}`) ?? []).filter((c) => c.id !== revert.id && c.mergedAt <= revert.mergedAt)
    return earlier.sort((a, b) => b.mergedAt - a.mergedAt || b.id - a.id)[0]
  }
}

/** Where a deployment sits in finish order. */
export type DeploymentOrder = ReadonlyMap<number, { id: number; finishedAt: number }>

export interface RevertHotfixInput {
  changes: readonly AttrChange[]
  index: ChangeIndex
  /** Pull request id → id of the deployment that shipped it. */
  shippedBy: ReadonlyMap<number, number>
  deployments: DeploymentOrder
  /** `sources.github.labels.hotfix`. */
  hotfixLabels: readonly string[]
}

/**
 * Failures caused by reverts (DESIGN §4): a revert shipped in a later deployment than the
 * change it reverts fails the deployment that shipped that change; the deployment shipping the
 * revert remediates it. A revert shipped with (or before) its target fails nothing.
 */
export function revertFailures(input: RevertHotfixInput): FailureLink[] {
  const out: FailureLink[] = []
  for (const revert of input.changes) {
    const target = input.index.revertTarget(revert)
    if (!target || target.id === revert.id) continue
    const failed = input.deployments.get(input.shippedBy.get(target.id) ?? -1)
    const remedy = input.deployments.get(input.shippedBy.get(revert.id) ?? -1)
    if (!failed || !remedy || !isLater(remedy, failed)) continue
    out.push({ deploymentId: failed.id, reason: 'revert', causeKey: causeKey.revert(revert.id), remediationDeploymentId: remedy.id })
  }
  return out
}

/**
 * Failures caused by hotfixes naming pull requests (DESIGN §4): a change with a hotfix label
 * fails the deployment that shipped each PR its body names (`#N`, `Fixes #N`, `owner/repo#N`),
 * remediated by the deployment shipping the hotfix (null until it ships). A hotfix shipped with
 * or before the PR it names remediated nothing in production and fails nothing. Hotfixes naming
 * incident issues are handled with incident attribution.
 */
export function hotfixFailures(input: RevertHotfixInput): FailureLink[] {
  const out: FailureLink[] = []
  for (const hotfix of input.changes) {
    if (!hasLabel(hotfix.labels, input.hotfixLabels)) continue
    const remedy = input.deployments.get(input.shippedBy.get(hotfix.id) ?? -1) ?? null
    const failedIds = new Set<number>()
    for (const ref of parseIssueRefs(hotfix.body)) {
      const target = input.index.resolve(hotfix.repoId, ref)
      if (!target || target.id === hotfix.id) continue
      const failed = input.deployments.get(input.shippedBy.get(target.id) ?? -1)
      if (!failed || failedIds.has(failed.id) || (remedy && !isLater(remedy, failed))) continue
      failedIds.add(failed.id)
      out.push({ deploymentId: failed.id, reason: 'hotfix', causeKey: causeKey.hotfix(hotfix.id), remediationDeploymentId: remedy?.id ?? null })
    }
  }
  return out
}

/** A hotfix naming an incident issue, and the deployment that shipped it (null: not yet). */
export interface IncidentHotfix {
  pullRequestId: number
  incidentId: number
  shippedBy: { id: number; finishedAt: number } | null
}

/**
 * Failures caused by hotfixes naming incident issues (DESIGN §4): each fails the deployment its
 * incident is attributed to, remediated by the deployment shipping the hotfix (same rule as
 * hotfixes naming PRs for one shipped with or before that deployment).
 */
export function incidentHotfixFailures(
  hotfixes: readonly IncidentHotfix[],
  attributedTo: ReadonlyMap<number, { id: number; finishedAt: number }>,
): FailureLink[] {
  const out: FailureLink[] = []
  for (const h of hotfixes) {
    const failed = attributedTo.get(h.incidentId)
    if (!failed || (h.shippedBy && !isLater(h.shippedBy, failed))) continue
    out.push({ deploymentId: failed.id, reason: 'hotfix', causeKey: causeKey.hotfixForIncident(h.pullRequestId, h.incidentId), remediationDeploymentId: h.shippedBy?.id ?? null })
  }
  return out
}
