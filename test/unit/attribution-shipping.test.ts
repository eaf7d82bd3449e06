import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CommitGraph } from '../../collectors/attribution/commit-graph.ts'
import { detectRollbacks } from '../../collectors/attribution/rollbacks.ts'
import { shipChanges, unknownDeployedShas } from '../../collectors/attribution/ship-changes.ts'
import type { AttrDeployment } from '../../collectors/attribution/types.ts'

const sha = (name: string) => createHash('sha1').update(name).digest('hex')
const T0 = Date.parse('2026-03-02T00:00:00Z')
const H = 3_600_000

const REPO = 1

// main: c1 ← c2 ← c3 ← M ← c5 ← c6 ← c7, where M merges feature f1 ← f2 (forked from c2);
// S is a squash commit and R1 ← R2 two rebased commits, all on main after c7.
const graph = CommitGraph.build(
  [
    ['c1', []],
    ['c2', ['c1']],
    ['c3', ['c2']],
    ['f1', ['c2']],
    ['f2', ['f1']],
    ['M', ['c3', 'f2']],
    ['c5', ['M']],
    ['c6', ['c5']],
    ['c7', ['c6']],
    ['S', ['c7']],
    ['R1', ['S']],
    ['R2', ['R1']],
    ['c9', ['R2']],
  ].map(([name, parents]) => ({ sha: sha(name as string), parents: (parents as string[]).map(sha) })),
)
const graphs = new Map([[REPO, graph]])

/** `name@commit+hours`: a deployment of `commit` finishing `hours` after T0; `?` as commit: a SHA outside the graph; `-`: none. */
function deployments(spec: string): AttrDeployment[] {
  return spec
    .split(/\s+/)
    .filter(Boolean)
    .map((item, i) => {
      const [, , commit, hours] = /^(\w+)@([\w?-]+)\+(-?[\d.]+)$/.exec(item)!
      return {
        id: i + 1,
        service: 'api',
        repoId: REPO,
        sha: commit === '-' ? null : commit === '?' ? 'f'.repeat(40) : sha(commit!),
        finishedAt: T0 + Number(hours) * H,
      }
    })
}

interface Pr {
  id: number
  merge: string | null
  /** Hours after T0. */
  merged: number
}

function ship(deploySpec: string, prs: Pr[], maxLookbackDays = 14) {
  const deps = deployments(deploySpec)
  const { rollbackIds } = detectRollbacks(deps, graphs)
  const links = shipChanges({
    changes: prs.map((p) => ({ id: p.id, repoId: REPO, mergedAt: T0 + p.merged * H, mergeCommitSha: p.merge === null ? null : p.merge === '?' ? 'e'.repeat(40) : sha(p.merge) })),
    deployments: deps,
    graphs,
    rollbackIds,
    maxLookbackDays,
  })
  return Object.fromEntries(prs.map((p) => {
    const link = links.find((l) => l.pullRequestId === p.id)
    return [p.id, link ? `d${link.deploymentId} ${link.method}` : 'unshipped']
  }))
}

describe('shipChanges', () => {
  it.each([
    [
      'merge commit: the first deployment whose SHA descends from the merge commit',
      'd1@c3+0 d2@c5+5 d3@c6+10',
      [{ id: 1, merge: 'M', merged: 1 }],
      { 1: 'd2 sha' },
    ],
    [
      'merge commit deployed exactly',
      'd1@c3+0 d2@M+5',
      [{ id: 1, merge: 'M', merged: 1 }],
      { 1: 'd2 sha' },
    ],
    [
      'squash merge: the squash commit is the merge commit',
      'd1@c7+0 d2@S+5 d3@c9+10',
      [{ id: 1, merge: 'S', merged: 1 }],
      { 1: 'd2 sha' },
    ],
    [
      'rebase merge: the last rebased commit; a deployment holding only the first does not ship it',
      'd1@c7+0 d2@R1+5 d3@c9+10',
      [{ id: 1, merge: 'R2', merged: 1 }],
      { 1: 'd3 sha' },
    ],
    [
      'several changes shipped by one deployment; an earlier one keeps its deployment',
      'd1@c1+0 d2@c3+5 d3@c7+10',
      [{ id: 1, merge: 'c2', merged: 1 }, { id: 2, merge: 'c3', merged: 2 }, { id: 3, merge: 'c6', merged: 6 }, { id: 4, merge: 'M', merged: 7 }],
      { 1: 'd2 sha', 2: 'd2 sha', 3: 'd3 sha', 4: 'd3 sha' },
    ],
    [
      'time fallback without a merge commit: the first deployment finishing at or after merged_at',
      'd1@c1+0 d2@c3+5 d3@c7+10',
      [{ id: 1, merge: null, merged: 5 }, { id: 2, merge: null, merged: 5.5 }],
      { 1: 'd2 time', 2: 'd3 time' },
    ],
    [
      'time fallback when the graph lacks the merge commit',
      'd1@c1+0 d2@c3+5',
      [{ id: 1, merge: '?', merged: 1 }],
      { 1: 'd2 time' },
    ],
    [
      'time fallback when no deployment carries a SHA',
      'd1@-+0 d2@-+5',
      [{ id: 1, merge: 'c2', merged: 1 }],
      { 1: 'd2 time' },
    ],
    [
      'a deployment whose SHA the graph lacks is skipped for SHA matching',
      'd1@c1+0 d2@?+5 d3@c3+10',
      [{ id: 1, merge: 'c2', merged: 1 }],
      { 1: 'd3 sha' },
    ],
    [
      'merged but never deployed',
      'd1@c1+0 d2@c3+5',
      [{ id: 1, merge: 'c5', merged: 6 }, { id: 2, merge: null, merged: 6 }],
      { 1: 'unshipped', 2: 'unshipped' },
    ],
    [
      'shipped before a rollback, then redeployed: it keeps its first deployment',
      'd1@c1+0 d2@c3+5 d3@c1+6 d4@c5+10',
      [{ id: 1, merge: 'c3', merged: 1 }, { id: 2, merge: 'c5', merged: 7 }],
      { 1: 'd2 sha', 2: 'd4 sha' },
    ],
    [
      'a rollback ships nothing, not even by time',
      'd1@c1+0 d2@c3+5 d3@c1+6 d4@c5+10',
      [{ id: 1, merge: null, merged: 5.5 }],
      { 1: 'd4 time' },
    ],
  ] as [string, string, Pr[], Record<number, string>][])('%s', (_label, deploys, prs, expected) => {
    expect(ship(deploys, prs)).toEqual(expected)
  })

  describe('the earliest deployment looks back maxLookbackDays (14) only', () => {
    // d1 finishes at T0 + 400 h; 14 days before is T0 + 64 h.
    const deploys = 'd1@c3+400 d2@c7+500'
    it.each([
      ['merged exactly 14 days before it (by SHA)', { id: 1, merge: 'c2', merged: 400 - 14 * 24 }, 'd1 sha'],
      ['merged one second more than 14 days before it (by SHA)', { id: 1, merge: 'c2', merged: 400 - 14 * 24 - 1 / 3600 }, 'unshipped'],
      ['merged exactly 14 days before it (by time)', { id: 1, merge: null, merged: 400 - 14 * 24 }, 'd1 time'],
      ['merged 15 days before it (by time)', { id: 1, merge: null, merged: 400 - 15 * 24 }, 'unshipped'],
      ['merged 15 days before it, shipped by a later deployment', { id: 1, merge: 'c5', merged: 400 - 15 * 24 }, 'd2 sha'],
    ] as [string, Pr, string][])('%s → %s', (_label, pr, expected) => {
      expect(ship(deploys, [pr])[1]).toBe(expected)
    })

    it('follows the configured number of days', () => {
      expect(ship(deploys, [{ id: 1, merge: 'c2', merged: 400 - 3 * 24 }], 2)[1]).toBe('unshipped')
      expect(ship(deploys, [{ id: 1, merge: 'c2', merged: 400 - 2 * 24 }], 2)[1]).toBe('d1 sha')
    })
  })

  it('candidates are deployments of the change’s repository or of none', () => {
    const deps: AttrDeployment[] = [
      { id: 1, service: 'api', repoId: 2, sha: null, finishedAt: T0 + 2 * H },
      { id: 2, service: 'api', repoId: null, sha: null, finishedAt: T0 + 3 * H },
    ]
    const links = shipChanges({ changes: [{ id: 9, repoId: REPO, mergedAt: T0, mergeCommitSha: null }], deployments: deps, graphs, rollbackIds: new Set(), maxLookbackDays: 14 })
    expect(links).toEqual([{ pullRequestId: 9, deploymentId: 2, method: 'time' }])
  })

  it('a change a deployment names ships explicitly by the first deployment naming it, over SHA and time matching and the look-back', () => {
    // d1 (T0+100 h) would ship #1 and #2 by SHA and #3 by time; #4 is 20 days older than d1.
    const deps = deployments('d1@c7+100 d2@c9+200 d3@c9+300 d4@c1+350')
    const changes = [
      { id: 1, number: 101, repoId: REPO, mergedAt: T0 + 1 * H, mergeCommitSha: sha('c2') },
      { id: 2, number: 102, repoId: REPO, mergedAt: T0 + 2 * H, mergeCommitSha: sha('c3') },
      { id: 3, number: 103, repoId: REPO, mergedAt: T0 + 90 * H, mergeCommitSha: null },
      { id: 4, number: 104, repoId: REPO, mergedAt: T0 + 100 * H - 20 * 24 * H, mergeCommitSha: sha('c5') },
      { id: 5, number: 105, repoId: 2, mergedAt: T0, mergeCommitSha: sha('c6') },
    ]
    const refs = new Map([
      // d3 names #101 too, after d2: d2 is first. #105 is in another repository: not d2's.
      [2, [{ kind: 'pull_request' as const, value: '101' }, { kind: 'commit' as const, value: sha('c3').slice(0, 7) }, { kind: 'pull_request' as const, value: '105' }]],
      [3, [{ kind: 'pull_request' as const, value: '101' }, { kind: 'commit' as const, value: sha('c5') }, { kind: 'pull_request' as const, value: '103' }]],
      // d4 is a rollback (back to c1): it ships nothing.
      [4, [{ kind: 'pull_request' as const, value: '103' }]],
    ])
    const input = { changes, deployments: deps, graphs, rollbackIds: detectRollbacks(deps, graphs).rollbackIds, maxLookbackDays: 14 }
    expect(shipChanges(input).filter((l) => l.pullRequestId !== 5)).toEqual([
      { pullRequestId: 1, deploymentId: 1, method: 'sha' },
      { pullRequestId: 2, deploymentId: 1, method: 'sha' },
      { pullRequestId: 3, deploymentId: 1, method: 'time' },
    ])
    expect(shipChanges({ ...input, refs })).toEqual([
      { pullRequestId: 1, deploymentId: 2, method: 'explicit' },
      { pullRequestId: 2, deploymentId: 2, method: 'explicit' },
      { pullRequestId: 3, deploymentId: 3, method: 'explicit' },
      { pullRequestId: 4, deploymentId: 3, method: 'explicit' },
    ])
  })

  it('lists deployed SHAs the graph lacks, except for repositories with no graph at all', () => {
    const deps = [...deployments('d1@c1+0 d2@?+5 d3@?+6 d4@c3+10'), { id: 5, service: 'api', repoId: 7, sha: 'a'.repeat(40), finishedAt: T0 }]
    expect(unknownDeployedShas(deps, new Map([[REPO, graph], [7, CommitGraph.build([])]]))).toEqual([{ repoId: REPO, sha: 'f'.repeat(40), deploymentIds: [2, 3] }])
  })
})


