import type { CommitGraph } from './commit-graph.ts'
import { byFinish, DAY_MS, type AttrChange, type AttrDeployment, type ShippingLink, type UnknownSha } from './types.ts'

export interface ShipInput {
  /** The service's changes (merged into their repository's default branch). */
  changes: readonly Pick<AttrChange, 'id' | 'repoId' | 'mergedAt' | 'mergeCommitSha'>[]
  /** The service's successful production deployments, any order. */
  deployments: readonly AttrDeployment[]
  /** Commit graphs by repository id (a repository without one is shipped by time). */
  graphs: ReadonlyMap<number, CommitGraph>
  /** Rollback deployments: they ship nothing. */
  rollbackIds: ReadonlySet<number>
  /** `attribution.maxLookbackDays`. */
  maxLookbackDays: number
}

/** Binary search: the first position in `lane` (finish order) finishing at or after `t`, skipping rollbacks. */
function firstFinishingFrom(lane: readonly AttrDeployment[], finished: readonly number[], t: number, rollbackIds: ReadonlySet<number>): AttrDeployment | null {
  let lo = 0
  let hi = finished.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (finished[mid]! < t) lo = mid + 1
    else hi = mid
  }
  for (let i = lo; i < lane.length; i++) if (!rollbackIds.has(lane[i]!.id)) return lane[i]!
  return null
}

/**
 * Decides which deployment shipped each change (DESIGN §4, "Shipping"): the first deployment
 * of its service, in finish order, whose SHA has the change's merge commit as an ancestor or is
 * it (method `sha`); deployments whose SHA the graph lacks are skipped for this. When the merge
 * commit is unknown to the graph (or missing, or no deployment of the repository carries a SHA),
 * the first deployment finishing at or after merged_at (method `time`). Rollbacks ship nothing,
 * a change is shipped at most once (by its first deployment), and the earliest deployment ships
 * only changes merged at or after its finish − maxLookbackDays. A change's candidates are the
 * deployments from its own repository and those with no repository.
 */
export function shipChanges(input: ShipInput): ShippingLink[] {
  const links: ShippingLink[] = []
  const lookback = input.maxLookbackDays * DAY_MS
  const repoIds = new Set(input.changes.map((c) => c.repoId))
  for (const repoId of repoIds) {
    const lane = input.deployments.filter((d) => d.repoId === repoId || d.repoId === null).sort(byFinish)
    if (lane.length === 0) continue
    const graph = input.graphs.get(repoId)
    const bySha = graph !== undefined && graph.size > 0 && lane.some((d) => d.sha)
    const first = bySha ? graph!.firstContainers(lane.map((d) => (input.rollbackIds.has(d.id) ? -1 : graph!.resolve(d.sha)))) : null
    const finished = lane.map((d) => d.finishedAt)
    const earliest = lane[0]!
    for (const change of input.changes) {
      if (change.repoId !== repoId) continue
      const merge = first ? graph!.resolve(change.mergeCommitSha) : -1
      let shipped: AttrDeployment | null
      let method: ShippingLink['method']
      if (merge >= 0) {
        const position = first![merge]!
        shipped = position >= 0 ? lane[position]! : null
        method = 'sha'
      } else {
        shipped = firstFinishingFrom(lane, finished, change.mergedAt, input.rollbackIds)
        method = 'time'
      }
      if (shipped === earliest && change.mergedAt < earliest.finishedAt - lookback) shipped = null
      if (shipped) links.push({ pullRequestId: change.id, deploymentId: shipped.id, method })
    }
  }
  return links.sort((a, b) => a.pullRequestId - b.pullRequestId)
}

/**
 * Deployed SHAs their repository's stored commit graph does not hold (so SHA matching skipped
 * those deployments): the collector fetches them with GitHub compare and attribution runs again.
 * Repositories with no stored graph at all are left out (their graph is fetched first).
 */
export function unknownDeployedShas(deployments: readonly AttrDeployment[], graphs: ReadonlyMap<number, CommitGraph>): UnknownSha[] {
  const bySha = new Map<string, UnknownSha>()
  for (const d of deployments) {
    if (d.repoId === null || !d.sha) continue
    const graph = graphs.get(d.repoId)
    if (!graph || graph.size === 0 || graph.resolve(d.sha) >= 0) continue
    const key = `${d.repoId}:${d.sha.toLowerCase()}`
    const entry = bySha.get(key) ?? { repoId: d.repoId, sha: d.sha.toLowerCase(), deploymentIds: [] }
    entry.deploymentIds.push(d.id)
    bySha.set(key, entry)
  }
  return [...bySha.values()]
}
