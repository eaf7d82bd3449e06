import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CommitGraph } from '../../collectors/attribution/commit-graph.ts'
import { ChangeIndex, hotfixFailures, incidentHotfixFailures, revertFailures } from '../../collectors/attribution/reverts-hotfixes.ts'
import { detectRollbacks } from '../../collectors/attribution/rollbacks.ts'
import type { AttrChange, AttrDeployment } from '../../collectors/attribution/types.ts'

const sha = (name: string) => createHash('sha1').update(name).digest('hex')
const T0 = Date.parse('2026-03-02T00:00:00Z')
const H = 3_600_000

// main: c1 ← c2 ← c3 ← c4 ← c5, and a side branch b1 (from c1) merged by M1 after c5.
const graph = CommitGraph.build(
  [
    ['c1', []],
    ['c2', ['c1']],
    ['c3', ['c2']],
    ['c4', ['c3']],
    ['c5', ['c4']],
    ['b1', ['c1']],
    ['M1', ['c5', 'b1']],
  ].map(([name, parents]) => ({ sha: sha(name as string), parents: (parents as string[]).map(sha) })),
)

/** Deployments d1, d2, … of the given commits, an hour apart (`?`: a SHA outside the graph). */
function deploys(...commits: string[]): AttrDeployment[] {
  return commits.map((c, i) => ({ id: i + 1, service: 'api', repoId: 1, sha: c === '?' ? 'f'.repeat(40) : sha(c), finishedAt: T0 + i * H }))
}

describe('detectRollbacks', () => {
  it.each([
    ['forward deployments only', ['c1', 'c2', 'c3'], [], []],
    ['a redeploy of the same SHA is not a rollback', ['c1', 'c2', 'c2'], [], []],
    ['back to the first: fails everything after it', ['c1', 'c2', 'c3', 'c1'], [4], ['d2←d4', 'd3←d4']],
    ['back to a SHA between two deployments: fails those after the last one at or before it', ['c1', 'c3', 'c5', 'c2'], [4], ['d2←d4', 'd3←d4']],
    ['back to the previous deployment’s parent only', ['c1', 'c3', 'c4', 'c3'], [4], ['d3←d4']],
    ['back past every earlier deployment: fails all of them', ['c3', 'c4', 'c1'], [3], ['d1←d3', 'd2←d3']],
    ['a previous SHA outside the graph: not a rollback', ['c3', '?', 'c1'], [], []],
    ['a deployment outside the graph between: it is rolled back too', ['c1', 'c2', '?', 'c4', 'c1'], [5], ['d2←d5', 'd3←d5', 'd4←d5']],
    ['a side-branch commit that the previous SHA merged is its ancestor', ['c2', 'M1', 'b1'], [3], ['d1←d3', 'd2←d3']],
    ['a forward deploy after a rollback, then a second rollback', ['c1', 'c3', 'c1', 'c4', 'c2'], [3, 5], ['d2←d3', 'd4←d5']],
    ['a rollback rolled back further', ['c1', 'c2', 'c4', 'c3', 'c1'], [4, 5], ['d3←d4', 'd2←d5', 'd3←d5', 'd4←d5']],
  ] as [string, string[], number[], string[]][])('%s', (_label, commits, rollbacks, failed) => {
    const result = detectRollbacks(deploys(...commits), new Map([[1, graph]]))
    expect([...result.rollbackIds].sort()).toEqual(rollbacks)
    expect(result.failures.map((f) => `d${f.deploymentId}←d${f.remediationDeploymentId}`).sort()).toEqual(failed.sort())
    for (const f of result.failures) expect(f).toMatchObject({ reason: 'rollback', causeKey: `rollback:${f.remediationDeploymentId}` })
  })

  it('compares deployments of one repository with each other only', () => {
    const deps: AttrDeployment[] = [
      { id: 1, service: 'api', repoId: 1, sha: sha('c3'), finishedAt: T0 },
      { id: 2, service: 'api', repoId: 2, sha: 'a'.repeat(40), finishedAt: T0 + H },
      { id: 3, service: 'api', repoId: 1, sha: sha('c2'), finishedAt: T0 + 2 * H },
    ]
    const result = detectRollbacks(deps, new Map([[1, graph]]))
    expect([...result.rollbackIds]).toEqual([3])
    expect(result.failures.map((f) => f.deploymentId)).toEqual([1])
  })
})

function change(id: number, number: number, fields: Partial<AttrChange> = {}): AttrChange {
  return { id, repoId: 1, number, title: `Change ${number}`, body: null, labels: [], mergedAt: T0 + id * H, mergeCommitSha: null, revertOfRepo: null, revertOfNumber: null, ...fields }
}

/** Deployments d1…d4, an hour apart. */
const order = new Map([1, 2, 3, 4].map((id) => [id, { id, finishedAt: T0 + id * H }]))

function failuresOf(kind: 'revert' | 'hotfix', changes: AttrChange[], shipped: Record<number, number>) {
  const repoIds: Record<string, number> = { 'acme/api': 1, 'acme/web': 2 }
  const input = {
    changes,
    index: new ChangeIndex(changes, (name) => repoIds[name]),
    shippedBy: new Map(Object.entries(shipped).map(([pr, d]) => [Number(pr), d])),
    deployments: order,
    hotfixLabels: ['hotfix'],
  }
  return (kind === 'revert' ? revertFailures(input) : hotfixFailures(input)).map((f) => `d${f.deploymentId} ${f.causeKey} ←${f.remediationDeploymentId === null ? 'none' : `d${f.remediationDeploymentId}`}`)
}

describe('revertFailures', () => {
  const original = change(1, 10, { title: 'Add checkout' })
  it.each([
    ['a revert (body) in a later deployment fails the reverted PR’s deployment', [original, change(2, 11, { title: 'Revert "Add checkout"', body: 'Reverts acme/api#10' })], { 1: 1, 2: 3 }, ['d1 revert:pr:2 ←d3']],
    ['a revert found by its Revert "…" title alone', [original, change(2, 11, { title: 'Revert "Add checkout"' })], { 1: 1, 2: 2 }, ['d1 revert:pr:2 ←d2']],
    ['a revert from the collector’s revert_of columns', [original, change(2, 11, { title: 'Back out', revertOfRepo: 'acme/api', revertOfNumber: 10 })], { 1: 2, 2: 4 }, ['d2 revert:pr:2 ←d4']],
    ['a revert shipped in the same deployment fails nothing', [original, change(2, 11, { title: 'Revert "Add checkout"', body: 'Reverts acme/api#10' })], { 1: 2, 2: 2 }, []],
    ['a revert not yet shipped fails nothing', [original, change(2, 11, { title: 'Revert "Add checkout"', body: 'Reverts acme/api#10' })], { 1: 1 }, []],
    ['a revert of a PR never shipped fails nothing', [original, change(2, 11, { title: 'Revert "Add checkout"', body: 'Reverts acme/api#10' })], { 2: 3 }, []],
    ['a revert naming a PR of a repository outside the service fails nothing', [original, change(2, 11, { title: 'Revert "x"', body: 'Reverts acme/web#10' })], { 1: 1, 2: 3 }, []],
    ['the title matches the latest earlier PR of that title', [original, change(3, 12, { title: 'Add checkout' }), change(4, 13, { title: 'Revert "Add checkout"' })], { 1: 1, 3: 2, 4: 3 }, ['d2 revert:pr:4 ←d3']],
  ] as [string, AttrChange[], Record<number, number>, string[]][])('%s', (_label, changes, shipped, expected) => {
    expect(failuresOf('revert', changes, shipped)).toEqual(expected)
  })
})

describe('hotfixFailures', () => {
  const broken = change(1, 10)
  it.each([
    ['a hotfix naming a PR fails the deployment that shipped it', [broken, change(2, 11, { labels: ['hotfix'], body: 'Fixes #10' })], { 1: 1, 2: 2 }, ['d1 hotfix:pr:2 ←d2']],
    ['the label matches in any case; a bare #N counts', [broken, change(2, 11, { labels: ['HotFix'], body: 'Follow-up to #10' })], { 1: 1, 2: 3 }, ['d1 hotfix:pr:2 ←d3']],
    ['a hotfix not shipped yet: failed, not yet remediated', [broken, change(2, 11, { labels: ['hotfix'], body: 'Fixes #10' })], { 1: 1 }, ['d1 hotfix:pr:2 ←none']],
    ['a hotfix naming nothing fails nothing', [broken, change(2, 11, { labels: ['hotfix'], body: 'Quick fix for the login page' })], { 1: 1, 2: 2 }, []],
    ['a hotfix naming an issue that is no PR fails nothing here', [broken, change(2, 11, { labels: ['hotfix'], body: 'Fixes #99' })], { 1: 1, 2: 2 }, []],
    ['a change naming a PR without the label fails nothing', [broken, change(2, 11, { body: 'Fixes #10' })], { 1: 1, 2: 2 }, []],
    ['a hotfix shipped with the PR it names fails nothing', [broken, change(2, 11, { labels: ['hotfix'], body: 'Fixes #10' })], { 1: 2, 2: 2 }, []],
    ['a hotfix naming two PRs of one deployment fails it once', [broken, change(3, 12), change(2, 11, { labels: ['hotfix'], body: 'Fixes #10 and #12' })], { 1: 1, 3: 1, 2: 2 }, ['d1 hotfix:pr:2 ←d2']],
  ] as [string, AttrChange[], Record<number, number>, string[]][])('%s', (_label, changes, shipped, expected) => {
    expect(failuresOf('hotfix', changes, shipped)).toEqual(expected)
  })
})

describe('incidentHotfixFailures', () => {
  const attributed = new Map([[7, { id: 1, finishedAt: T0 + H }]])
  it.each([
    ['a hotfix naming an attributed incident fails its deployment', { pullRequestId: 5, incidentId: 7, shippedBy: { id: 2, finishedAt: T0 + 2 * H } }, ['d1 hotfix:pr:5:incident:7 ←d2']],
    ['not yet shipped: failed, no remediation', { pullRequestId: 5, incidentId: 7, shippedBy: null }, ['d1 hotfix:pr:5:incident:7 ←none']],
    ['an incident attributed to nothing: nothing fails', { pullRequestId: 5, incidentId: 8, shippedBy: { id: 2, finishedAt: T0 + 2 * H } }, []],
  ] as const)('%s', (_label, hotfix, expected) => {
    expect(
      incidentHotfixFailures([hotfix], attributed).map((f) => `d${f.deploymentId} ${f.causeKey} ←${f.remediationDeploymentId === null ? 'none' : `d${f.remediationDeploymentId}`}`),
    ).toEqual(expected)
  })
})
