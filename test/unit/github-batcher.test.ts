import type { Octokit } from 'octokit'
import { RequestError } from 'octokit'
import { describe, expect, it } from 'vitest'
import { type BatchTask, FatalError, FieldError, GraphQLBatcher, operationName } from '../../collectors/github/graphql-batch.ts'
import { OVERLAP_MS, planWalks } from '../../collectors/github/walk-task.ts'

/** A GraphQL client answering each aliased field from `answer`, or failing whole requests as `fail` says. */
function stub(answer: (field: string) => unknown, fail?: (query: string, n: number) => Error | null) {
  const queries: string[] = []
  const octokit = {
    graphql: async (query: string) => {
      queries.push(query)
      const err = fail?.(query, queries.length)
      if (err) throw err
      const data: Record<string, unknown> = {}
      const errors: { message: string; type: string; path: string[] }[] = []
      for (const m of query.matchAll(/^(t\d+): (.*)$/gm)) {
        const value = answer(m[2]!)
        if (value instanceof Error) {
          data[m[1]!] = null
          errors.push({ message: value.message, type: 'NOT_FOUND', path: [m[1]!] })
        } else data[m[1]!] = value
      }
      if (errors.length) throw Object.assign(new Error('partial'), { name: 'GraphqlResponseError', data, errors })
      return data
    },
  }
  return { octokit: octokit as unknown as Octokit, queries }
}

/** A task reading `pages` pages of `size` items from a connection named `name`. */
function pagedTask(name: string, pages: number, cost = 50) {
  const seen: number[] = []
  let page = 0
  let error: Error | null = null
  const task: BatchTask = {
    id: `acme/${name}:pull_requests`,
    nextPart: (pageSize) => (page >= pages || error ? null : { field: `${name}(first: ${pageSize}, page: ${page})`, cost: Math.min(cost, pageSize) }),
    async handle(data) {
      seen.push((data as { page: number }).page)
      page++
    },
    fail(e) {
      error = e
    },
  }
  return { task, seen, failed: () => error }
}

const pageOf = (field: string) => ({ page: Number(/page: (\d+)/.exec(field)![1]) })
const http = (status: number) => new RequestError(`HTTP ${status}`, status, { request: { method: 'POST', url: '/graphql', headers: {} } })

describe('GraphQLBatcher', () => {
  it('packs the pages of several tasks into one request up to twice the page size', async () => {
    const { octokit, queries } = stub(pageOf)
    const a = pagedTask('a', 2, 50)
    const b = pagedTask('b', 2, 50)
    const c = pagedTask('c', 1, 10)
    await new GraphQLBatcher(octokit, { timeScale: 0 }).run([a.task, b.task, c.task])
    expect(a.seen).toEqual([0, 1])
    expect(b.seen).toEqual([0, 1])
    expect(c.seen).toEqual([0])
    // 50 + 50 fit one request, c waits for the next: 3 requests for 5 pages.
    expect(queries).toHaveLength(3)
    expect(queries[0]).toMatch(/^query PullRequests \{/)
  })

  it('halves the page size after a 502 and retries the same pages', async () => {
    const { octokit, queries } = stub(pageOf, (q) => (/first: (50|25)/.test(q) ? http(502) : null))
    const a = pagedTask('a', 2)
    const batcher = new GraphQLBatcher(octokit, { timeScale: 0 })
    await batcher.run([a.task])
    expect(a.seen).toEqual([0, 1])
    expect(queries.map((q) => /first: (\d+)/.exec(q)![1])).toEqual(['50', '25', '12', '12'])
    expect(batcher.log.map((l) => l.status)).toEqual([502, 502, 'ok', 'ok'])
  })

  it('retries 500s and dropped connections, then fails only the tasks of a request that never succeeds', async () => {
    let calls = 0
    const { octokit } = stub(pageOf, (q) => (q.includes('broken(') ? http(500) : ++calls === 1 ? http(503) : null))
    const ok = pagedTask('fine', 1, 10)
    const broken = pagedTask('broken', 1, 200)
    await new GraphQLBatcher(octokit, { timeScale: 0, maxAttempts: 3 }).run([broken.task, ok.task])
    expect(ok.seen).toEqual([0])
    expect(broken.failed()).toBeInstanceOf(RequestError)
  })

  it('fails only the task whose field GitHub could not resolve', async () => {
    const { octokit } = stub((field) => (field.startsWith('gone') ? new Error("Could not resolve to a Repository with the name 'acme/gone'.") : pageOf(field)))
    const ok = pagedTask('fine', 1, 10)
    const gone = pagedTask('gone', 1, 10)
    await new GraphQLBatcher(octokit, { timeScale: 0 }).run([gone.task, ok.task])
    expect(ok.seen).toEqual([0])
    expect(gone.failed()).toBeInstanceOf(FieldError)
    expect((gone.failed() as FieldError).type).toBe('NOT_FOUND')
  })

  it('stops everything on a FatalError from a task', async () => {
    const { octokit } = stub(pageOf)
    const crash: BatchTask = {
      id: 'acme/a:commits',
      nextPart: () => ({ field: 'x(page: 0)', cost: 1 }),
      handle: async () => {
        throw new FatalError(new Error('killed'))
      },
      fail: () => {},
    }
    await expect(new GraphQLBatcher(octokit, { timeScale: 0 }).run([crash])).rejects.toBeInstanceOf(FatalError)
  })

  it('names requests after what they read', () => {
    expect(operationName(['acme/a:pull_requests', 'acme/b:commits', 'acme/c:pull_requests'])).toBe('Commits_PullRequests')
  })
})

describe('planWalks', () => {
  const since = new Date('2025-11-22T12:00:00Z')
  const base = { since, full: false, backfill: (s: string) => [{ kind: 'label:bug', after: null, stop: s }, { kind: 'label:incident', after: null, stop: s }], incremental: (stop: string) => ({ kind: 'all', after: null, stop }) }
  const iso = (ms: number) => new Date(ms).toISOString()

  it('backfills down to since on the first run', () => {
    expect(planWalks({ ...base, cursor: undefined })).toEqual({ walks: base.backfill(since.toISOString()), floor: since.toISOString(), top: null })
  })

  it('reads down to the watermark minus the overlap afterwards', () => {
    const cursor = { watermark: '2026-11-01T00:00:00.000Z', floor: since.toISOString() }
    expect(planWalks({ ...base, cursor })).toEqual({ walks: [{ kind: 'all', after: null, stop: iso(Date.parse(cursor.watermark) - OVERLAP_MS) }], floor: since.toISOString(), top: cursor.watermark })
  })

  it('resumes an interrupted run: a catch-up over the top first, then the walks left from their cursor', () => {
    const resume = { walks: [{ kind: 'label:incident', after: 'CURSOR', stop: since.toISOString() }], top: '2026-11-20T00:00:00.000Z' }
    const plan = planWalks({ ...base, cursor: { watermark: null, floor: since.toISOString(), resume } })
    expect(plan.walks).toEqual([{ kind: 'all', after: null, stop: iso(Date.parse(resume.top) - OVERLAP_MS), ephemeral: true }, resume.walks[0]])
  })

  it('backfills again for a full run, an earlier since or a changed label set', () => {
    const cursor = { watermark: '2026-11-01T00:00:00.000Z', floor: since.toISOString() }
    expect(planWalks({ ...base, cursor, full: true }).walks).toHaveLength(2)
    expect(planWalks({ ...base, cursor, since: new Date('2025-01-01T00:00:00Z') }).floor).toBe('2025-01-01T00:00:00.000Z')
    expect(planWalks({ ...base, cursor, incrementalAllowed: false }).walks).toHaveLength(2)
  })
})
