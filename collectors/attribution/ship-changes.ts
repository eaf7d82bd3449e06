import type { CommitGraph } from './commit-graph.ts'
import { byFinish, DAY_MS, type AttrChange, type AttrDeployment, type DeploymentRef, type ShippingLink, type UnknownSha } from './types.ts'

type ShipChange = Pick<AttrChange, 'id' | 'repoId' | 'mergedAt' | 'mergeCommitSha'> & { number?: number }

export interface ShipInput {
  /** The service's changes (merged into their repository's default branch). */
  changes: readonly ShipChange[]
  /** The service's successful production deployments, any order. */
  deployments: readonly AttrDeployment[]
  /** Commit graphs by repository id (a repository without one is shipped by time). */
  graphs: ReadonlyMap<number, CommitGraph>
  /** Rollback deployments: they ship nothing. */
  rollbackIds: ReadonlySet<number>
  /** `attribution.maxLookbackDays`. */
  maxLookbackDays: number
  /** What deployments name as shipped (`deployment_ref`), by deployment id. */
  refs?: ReadonlyMap<number, readonly DeploymentRef[]>
  /** The repositories of the service: where a deployment without a graph repository looks up what it names. */
  serviceRepoIds?: readonly number[]
}

/** The only element of `items`, else null (none, or ambiguous). */
const only = <T>(items: readonly T[]): T | null => (items.length === 1 ? items[0]! : null)

/**
 * Changes named by deployments (method `explicit`): each named change is shipped by the first
 * deployment (finish order) naming it. A PR number is looked up in the deployment's repository,
 * else in `serviceRepoIds`; a commit is the merge commit of a change in those repositories equal
 * to it or starting with it. A name matching several changes names none. Rollbacks ship nothing.
 */
export function explicitShipping(input: ShipInput): Map<number, ShippingLink> {
  const out = new Map<number, ShippingLink>()
  if (!input.refs || input.refs.size === 0) return out
  const byNumber = new Map<string, ShipChange[]>()
  for (const c of input.changes) {
    if (c.number === undefined) continue
    const key = `${c.repoId}:${c.number}`
    const same = byNumber.get(key)
    if (same) same.push(c)
    else byNumber.set(key, [c])
  }
  // Merge commits in SHA order: the changes whose SHA starts with a prefix are one run of it.
  const bySha = input.changes.flatMap((c) => (c.mergeCommitSha ? [{ sha: c.mergeCommitSha.toLowerCase(), change: c }] : [])).sort((a, b) => (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0))
  const startingWith = (prefix: string): ShipChange[] => {
    let lo = 0
    let hi = bySha.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (bySha[mid]!.sha < prefix) lo = mid + 1
      else hi = mid
    }
    const found: ShipChange[] = []
    for (let i = lo; i < bySha.length && bySha[i]!.sha.startsWith(prefix); i++) found.push(bySha[i]!.change)
    return found
  }
  for (const d of [...input.deployments].sort(byFinish)) {
    const refs = input.refs.get(d.id)
    if (!refs || refs.length === 0 || input.rollbackIds.has(d.id)) continue
    const repos = d.repoId !== null ? [d.repoId] : (input.serviceRepoIds ?? [])
    for (const ref of refs) {
      let change: ShipChange | null
      if (ref.kind === 'pull_request') {
        change = only(repos.flatMap((r) => byNumber.get(`${r}:${ref.value}`) ?? []))
      } else {
        const prefix = ref.value.toLowerCase()
        if (!/^[0-9a-f]{7,}$/.test(prefix)) continue
        change = only(startingWith(prefix).filter((c) => repos.includes(c.repoId)))
      }
      if (change && !out.has(change.id)) out.set(change.id, { pullRequestId: change.id, deploymentId: d.id, method: 'explicit' })
    }
  }
  return out
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
 * deployments from its own repository and those with no repository. A change a deployment
 * names (`refs`) is shipped by the first deployment naming it instead (method `explicit`, no
 * look-back limit; see explicitShipping).
 */
export function shipChanges(input: ShipInput): ShippingLink[] {
  const explicit = explicitShipping(input)
  const links: ShippingLink[] = [...explicit.values()]
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
      if (change.repoId !== repoId || explicit.has(change.id)) continue
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
