import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CommitGraph } from '../../collectors/attribution/commit-graph.ts'

const sha = (name: string) => createHash('sha1').update(name).digest('hex')

/** `name: parent parent` lines → commits with SHAs derived from the names. */
function graphOf(spec: string): CommitGraph {
  return CommitGraph.build(
    spec
      .trim()
      .split('\n')
      .map((line) => {
        const [name, parents = ''] = line.split(':').map((s) => s.trim())
        return { sha: sha(name!), parents: parents.split(/\s+/).filter(Boolean).map(sha) }
      }),
  )
}

// Linear: a ← b ← c ← d.
const linear = graphOf(`
a:
b: a
c: b
d: c
`)

// main: m0 ← m1 ← M ← m3, where M merges the feature branch f1 ← f2 (forked from m0).
// `ext` has a parent outside the stored history.
const merged = graphOf(`
m0:
m1: m0
f1: m0
f2: f1
M: m1 f2
m3: M
ext: outside
`)

const ancestry = (g: CommitGraph, a: string, b: string) => g.isAncestorOrSelf(g.resolve(sha(a)), g.resolve(sha(b)))

describe('CommitGraph ancestry', () => {
  it.each([
    ['linear: a is an ancestor of d', linear, 'a', 'd', true],
    ['linear: c is an ancestor of d', linear, 'c', 'd', true],
    ['linear: a commit is its own ancestor-or-self', linear, 'c', 'c', true],
    ['linear: d is not an ancestor of a', linear, 'd', 'a', false],
    ['merge: the feature tip f2 is an ancestor of the merge commit', merged, 'f2', 'M', true],
    ['merge: the feature root f1 is an ancestor of commits after the merge', merged, 'f1', 'm3', true],
    ['merge: the first parent m1 is an ancestor of the merge', merged, 'm1', 'M', true],
    ['merge: main before the merge does not contain the feature', merged, 'f2', 'm1', false],
    ['merge: the feature does not contain main', merged, 'm1', 'f2', false],
    ['merge: the merge is not an ancestor of its parent', merged, 'M', 'f2', false],
    ['a commit whose parent is outside the graph is a root', merged, 'm0', 'ext', false],
  ] as const)('%s', (_label, g, a, b, expected) => {
    expect(ancestry(g, a, b)).toBe(expected)
  })

  it.each([
    ['an ancestor', 'a', 'd', true],
    ['the commit itself', 'd', 'd', false],
    ['a descendant', 'd', 'a', false],
  ] as const)('strict ancestry: %s', (_label, a, b, expected) => {
    expect(linear.isStrictAncestor(linear.resolve(sha(a)), linear.resolve(sha(b)))).toBe(expected)
  })

  it('answers false for a SHA the graph does not hold', () => {
    const unknown = merged.resolve(sha('nowhere'))
    expect(unknown).toBe(-1)
    expect(merged.isAncestorOrSelf(unknown, merged.resolve(sha('m3')))).toBe(false)
    expect(merged.isAncestorOrSelf(merged.resolve(sha('m0')), unknown)).toBe(false)
  })

  it.each([
    ['m0', 0],
    ['m1', 1],
    ['f2', 2],
    ['M', 3],
    ['m3', 4],
    ['ext', 0],
  ])('generation of %s is %i', (name, generation) => {
    expect(merged.generation(merged.resolve(sha(name)))).toBe(generation)
  })
})

describe('CommitGraph.resolve', () => {
  const full = sha('M')
  it.each([
    ['the full SHA', full, true],
    ['upper case', full.toUpperCase(), true],
    ['a 7-digit abbreviation', full.slice(0, 7), true],
    ['a 6-digit abbreviation (too short)', full.slice(0, 6), false],
    ['a SHA not in the graph', sha('nowhere'), false],
    ['not hex', 'zzzzzzzz', false],
  ])('%s', (_label, key, found) => {
    expect(merged.resolve(key)).toBe(found ? merged.indexOf(full) : -1)
  })

  it('rejects an abbreviation two commits share', () => {
    const g = CommitGraph.build([
      { sha: 'abcdef1000000000000000000000000000000000', parents: [] },
      { sha: 'abcdef1200000000000000000000000000000000', parents: [] },
    ])
    expect(g.resolve('abcdef1')).toBe(-1)
    expect(g.resolve('abcdef10')).toBe(0)
  })
})

describe('CommitGraph.firstContainers', () => {
  it('gives each commit the first tip, in the order given, whose history holds it', () => {
    // Tips: m1, then m3 (brings M, f1, f2), then m0 (a rollback: nothing new).
    const tips = ['m1', 'm3', 'm0'].map((n) => merged.resolve(sha(n)))
    const first = merged.firstContainers(tips)
    const at = (n: string) => first[merged.resolve(sha(n))]
    expect(['m0', 'm1', 'f1', 'f2', 'M', 'm3', 'ext'].map(at)).toEqual([0, 0, 1, 1, 1, 1, -1])
  })

  it('skips unknown tips (−1)', () => {
    const first = linear.firstContainers([-1, linear.resolve(sha('b'))])
    expect([...first]).toEqual([1, 1, -1, -1])
  })

  it('firstContaining finds the first tip holding one commit', () => {
    const tips = ['m1', 'f2', 'm3'].map((n) => merged.resolve(sha(n)))
    expect(merged.firstContaining(merged.resolve(sha('f1')), tips)).toBe(1)
    expect(merged.firstContaining(merged.resolve(sha('M')), tips)).toBe(2)
    expect(merged.firstContaining(merged.resolve(sha('ext')), tips)).toBe(-1)
  })

  it('stays fast on 100,000 commits and 10,000 tips', () => {
    const commits = Array.from({ length: 100_000 }, (_, i) => ({
      sha: i.toString(16).padStart(40, '0'),
      // Every tenth commit merges a side commit from 50 commits back.
      parents: i === 0 ? [] : i % 10 === 0 && i > 50 ? [(i - 1).toString(16).padStart(40, '0'), (i - 50).toString(16).padStart(40, '0')] : [(i - 1).toString(16).padStart(40, '0')],
    }))
    const started = performance.now()
    const g = CommitGraph.build(commits)
    const tips = Array.from({ length: 10_000 }, (_, k) => g.resolve(((k + 1) * 10 - 1).toString(16).padStart(40, '0')))
    const first = g.firstContainers(tips)
    let checks = 0
    for (let k = 1; k < tips.length; k++) if (g.isStrictAncestor(tips[k]!, tips[k - 1]!)) checks++
    const ms = performance.now() - started
    console.log(`commit graph: 100k commits, 10k tips, build + first containers + 10k ancestry checks in ${ms.toFixed(0)} ms`)
    expect(first[g.resolve((55).toString(16).padStart(40, '0'))]).toBe(5)
    expect(checks).toBe(0)
  })
})
