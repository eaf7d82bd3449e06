/** One commit of a repository's default-branch history, as stored in `commit`. */
export interface GraphCommit {
  sha: string
  parents: readonly string[]
}

const MIN_PREFIX = 7

/**
 * A repository's commit graph held in flat arrays, for ancestry questions asked many times:
 * commits are numbered 0…n−1, parents not in the graph are dropped, and every commit has a
 * generation number (1 + the largest of its parents', 0 for a root) so a commit with a generation
 * at or above another's can be ruled out as its ancestor without a walk.
 */
export class CommitGraph {
  readonly size: number
  private readonly shas: string[]
  private readonly index: Map<string, number>
  private readonly parentStart: Int32Array
  private readonly parentList: Int32Array
  private readonly generations: Int32Array
  private sortedShas: string[] | null = null
  private childStart: Int32Array | null = null
  private childList: Int32Array | null = null
  private readonly seen: Int32Array
  private epoch = 0
  private readonly stack: Int32Array

  private constructor(commits: readonly GraphCommit[]) {
    this.index = new Map()
    this.shas = []
    const unique: GraphCommit[] = []
    for (const c of commits) {
      const sha = c.sha.toLowerCase()
      if (this.index.has(sha)) continue
      this.index.set(sha, this.shas.length)
      this.shas.push(sha)
      unique.push(c)
    }
    const n = unique.length
    this.size = n
    this.parentStart = new Int32Array(n + 1)
    const list: number[] = []
    unique.forEach((c, i) => {
      for (const p of c.parents) {
        const j = this.index.get(p.toLowerCase())
        if (j !== undefined && j !== i && !list.includes(j, this.parentStart[i])) list.push(j)
      }
      this.parentStart[i + 1] = list.length
    })
    this.parentList = Int32Array.from(list)
    this.generations = this.computeGenerations()
    this.seen = new Int32Array(n)
    this.stack = new Int32Array(Math.max(1, n))
  }

  /** Builds the graph of the given commits (SHAs compared case-insensitively; duplicates ignored). */
  static build(commits: readonly GraphCommit[]): CommitGraph {
    return new CommitGraph(commits)
  }

  /** The commit's number, or −1 when the graph does not hold exactly this SHA. */
  indexOf(sha: string): number {
    return this.index.get(sha.toLowerCase()) ?? -1
  }

  /** The SHA of commit `i`. */
  shaAt(i: number): string {
    return this.shas[i]!
  }

  /**
   * The commit a full SHA or an abbreviation (at least 7 hex digits) names: −1 when none does,
   * or when the abbreviation is shared by several commits.
   */
  resolve(shaOrPrefix: string | null | undefined): number {
    if (!shaOrPrefix) return -1
    const key = shaOrPrefix.toLowerCase()
    const exact = this.index.get(key)
    if (exact !== undefined) return exact
    if (key.length < MIN_PREFIX || key.length >= 40 || !/^[0-9a-f]+$/.test(key)) return -1
    const sorted = (this.sortedShas ??= [...this.shas].sort())
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (sorted[mid]! < key) lo = mid + 1
      else hi = mid
    }
    const hit = sorted[lo]
    if (hit === undefined || !hit.startsWith(key)) return -1
    if (sorted[lo + 1]?.startsWith(key)) return -1
    return this.index.get(hit)!
  }

  /** Commit `i`'s generation: 0 for a root, else 1 + the largest generation of its parents. */
  generation(i: number): number {
    return this.generations[i]!
  }

  /** Whether commit `a` is `b` or reachable from `b` through parents. */
  isAncestorOrSelf(a: number, b: number): boolean {
    if (a === b) return true
    return this.isStrictAncestor(a, b)
  }

  /** Whether commit `a` is reachable from `b` through parents and is not `b` itself. */
  isStrictAncestor(a: number, b: number): boolean {
    if (a === b || a < 0 || b < 0) return false
    const floor = this.generations[a]!
    if (floor >= this.generations[b]!) return false
    const epoch = this.nextEpoch()
    const { seen, stack, parentStart, parentList, generations } = this
    let top = 0
    stack[top++] = b
    seen[b] = epoch
    while (top > 0) {
      const c = stack[--top]!
      for (let p = parentStart[c]!; p < parentStart[c + 1]!; p++) {
        const q = parentList[p]!
        if (q === a) return true
        if (seen[q] === epoch || generations[q]! <= floor) continue
        seen[q] = epoch
        stack[top++] = q
      }
    }
    return false
  }

  /**
   * For every commit, the position in `tips` of the first tip whose history (the tip and its
   * ancestors) contains it, or −1. Tips are taken in the order given; −1 entries are skipped.
   * Each commit is visited once over all tips: a walk stops at commits an earlier tip reached,
   * whose ancestors that tip reached too.
   */
  firstContainers(tips: readonly number[]): Int32Array {
    const first = new Int32Array(this.size).fill(-1)
    const { stack, parentStart, parentList } = this
    tips.forEach((tip, position) => {
      if (tip < 0 || first[tip] !== -1) return
      let top = 0
      first[tip] = position
      stack[top++] = tip
      while (top > 0) {
        const c = stack[--top]!
        for (let p = parentStart[c]!; p < parentStart[c + 1]!; p++) {
          const q = parentList[p]!
          if (first[q] !== -1) continue
          first[q] = position
          stack[top++] = q
        }
      }
    })
    return first
  }

  /**
   * The first of `tips` (in the order given) whose history contains commit `i`, as a position
   * in `tips`, or −1. Walks the descendants of `i` once.
   */
  firstContaining(i: number, tips: readonly number[]): number {
    if (i < 0) return -1
    const epoch = this.nextEpoch()
    const { seen } = this
    const [childStart, childList] = this.children()
    const { stack } = this
    let top = 0
    stack[top++] = i
    seen[i] = epoch
    while (top > 0) {
      const c = stack[--top]!
      for (let k = childStart[c]!; k < childStart[c + 1]!; k++) {
        const q = childList[k]!
        if (seen[q] === epoch) continue
        seen[q] = epoch
        stack[top++] = q
      }
    }
    return tips.findIndex((t) => t >= 0 && seen[t] === epoch)
  }

  private children(): [Int32Array, Int32Array] {
    if (this.childStart && this.childList) return [this.childStart, this.childList]
    const n = this.size
    const count = new Int32Array(n + 1)
    for (let p = 0; p < this.parentList.length; p++) count[this.parentList[p]! + 1]!++
    for (let i = 0; i < n; i++) count[i + 1]! += count[i]!
    const fill = count.slice(0, n)
    const list = new Int32Array(this.parentList.length)
    for (let c = 0; c < n; c++) {
      for (let p = this.parentStart[c]!; p < this.parentStart[c + 1]!; p++) list[fill[this.parentList[p]!]!++] = c
    }
    this.childStart = count
    this.childList = list
    return [count, list]
  }

  private nextEpoch(): number {
    this.epoch++
    if (this.epoch === 0x7fffffff) {
      this.seen.fill(0)
      this.epoch = 1
    }
    return this.epoch
  }

  /** Generation numbers in topological order (Kahn); commits on a cycle, which git cannot make, keep 0. */
  private computeGenerations(): Int32Array {
    const n = this.size
    const generation = new Int32Array(n)
    const pending = new Int32Array(n)
    for (let c = 0; c < n; c++) pending[c] = this.parentStart[c + 1]! - this.parentStart[c]!
    const [childStart, childList] = this.children()
    const queue = new Int32Array(n)
    let head = 0
    let tail = 0
    for (let c = 0; c < n; c++) if (pending[c] === 0) queue[tail++] = c
    while (head < tail) {
      const c = queue[head++]!
      for (let k = childStart[c]!; k < childStart[c + 1]!; k++) {
        const child = childList[k]!
        if (generation[child]! <= generation[c]!) generation[child] = generation[c]! + 1
        pending[child] = pending[child]! - 1
        if (pending[child] === 0) queue[tail++] = child
      }
    }
    return generation
  }
}
