import type { CommitGraph } from './commit-graph.ts'
import { byFinish, causeKey, type AttrDeployment, type FailureLink } from './types.ts'

/** Rollbacks among one service's deployments and the deployments each one rolls back. */
export interface Rollbacks {
  rollbackIds: Set<number>
  failures: FailureLink[]
}

/**
 * Finds rollbacks among one service's successful production deployments (DESIGN §4): a
 * deployment whose SHA is a strict ancestor of the previous deployment's SHA. Deployments are
 * compared within one repository's commit graph, so "previous" is the previous deployment from
 * the same repository; deployments whose SHA the graph lacks are never rollbacks, and never the
 * "previous" one that makes a rollback. A rollback fails every deployment after the last one
 * whose SHA is an ancestor of (or equal to) the rollback's SHA, with the rollback as remediation.
 */
export function detectRollbacks(deployments: readonly AttrDeployment[], graphs: ReadonlyMap<number, CommitGraph>): Rollbacks {
  const rollbackIds = new Set<number>()
  const failures: FailureLink[] = []
  const repoIds = new Set(deployments.flatMap((d) => (d.repoId === null ? [] : [d.repoId])))
  for (const repoId of repoIds) {
    const graph = graphs.get(repoId)
    if (!graph || graph.size === 0) continue
    const lane = deployments.filter((d) => d.repoId === repoId).sort(byFinish)
    const commit = lane.map((d) => graph.resolve(d.sha))
    for (let k = 1; k < lane.length; k++) {
      const at = commit[k]!
      const previous = commit[k - 1]!
      if (at < 0 || previous < 0 || !graph.isStrictAncestor(at, previous)) continue
      const rollback = lane[k]!
      rollbackIds.add(rollback.id)
      for (let j = k - 1; j >= 0; j--) {
        const c = commit[j]!
        if (c >= 0 && graph.isAncestorOrSelf(c, at)) break
        failures.push({ deploymentId: lane[j]!.id, reason: 'rollback', causeKey: causeKey.rollback(rollback.id), remediationDeploymentId: rollback.id })
      }
    }
  }
  return { rollbackIds, failures }
}
