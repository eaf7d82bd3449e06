import type { Octokit } from 'octokit'
import { sleep } from './client.ts'
import { statusOf } from './rest.ts'

/** One page request of a task: a top-level GraphQL field (no alias) and what it weighs against the request budget. */
export interface PagePart {
  field: string
  /** Budget units: roughly the nodes the page asks for, weighted by how heavy each node is. */
  cost: number
}

/** A paged read that shares GraphQL requests with others (one alias per task and page). */
export interface BatchTask {
  readonly id: string
  /** The next page for a page size of `pageSize` (the batcher halves it after a 502), or null when finished. Must not change state. */
  nextPart(pageSize: number): PagePart | null
  /** Stores the aliased field's data (null when GitHub returned none); may throw to fail the task. */
  handle(data: unknown, errors: readonly GraphQLError[]): Promise<void>
  /** The task failed for good: an error for its field, or its request failed after every retry. */
  fail(error: Error): void
}

export interface GraphQLError {
  message: string
  type?: string
  path?: (string | number)[]
}

/** An error that must stop the whole collect (a crash, a lost lease), never just the task it happened in. */
export class FatalError extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original))
    this.name = 'FatalError'
  }
}

/** A GraphQL error GitHub attached to one task's field (NOT_FOUND, FORBIDDEN, …). */
export class FieldError extends Error {
  constructor(
    message: string,
    readonly type: string | undefined,
  ) {
    super(message)
    this.name = 'FieldError'
  }
}

export interface BatcherOptions {
  /** Nodes per connection page to start with (GitHub: 50 for heavy nodes), halved on every 502/504. */
  pageSize?: number
  /** Attempts per request before its tasks fail. */
  maxAttempts?: number
  /** Multiplies backoff waits (tests pass e.g. 0.001). */
  timeScale?: number
  /** Fragment definitions parts may spread (`...Name`); only those used are sent. */
  fragments?: Record<string, string>
  /** Called once per HTTP request made (for per-task accounting), with the task ids in it. */
  onRequest?: (taskIds: readonly string[]) => void
}

const RETRYABLE = new Set([500, 503])
const SHRINK = new Set([502, 504])

/** The fragment definitions `text` spreads, with those they spread in turn. */
function usedFragments(text: string, fragments: Record<string, string>): string[] {
  const used = new Set<string>()
  const visit = (t: string) => {
    for (const m of t.matchAll(/\.\.\.\s*([A-Z]\w*)/g)) {
      const name = m[1]!
      if (used.has(name) || !fragments[name]) continue
      used.add(name)
      visit(fragments[name]!)
    }
  }
  visit(text)
  return [...used].map((n) => fragments[n]!)
}

/**
 * Runs paged GraphQL reads for many tasks, packing the next page of several tasks into one
 * request (one alias each) up to a budget of twice the page size, so small repositories share
 * requests. A 502 or 504 halves the page size (50 → 25 → …, growing back after a run of
 * successes); other 5xx and dropped connections are retried with backoff; a GraphQL error for
 * one alias fails only that task.
 */
export class GraphQLBatcher {
  pageSize: number
  private readonly maxPageSize: number
  private readonly maxAttempts: number
  private readonly scale: number
  private successes = 0
  /** Requests made and the page sizes they went out with (for tests and the report). */
  readonly log: { tasks: string[]; pageSize: number; status: number | 'ok'; ms: number }[] = []

  constructor(
    private readonly octokit: Octokit,
    private readonly options: BatcherOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 50
    this.maxPageSize = this.pageSize
    this.maxAttempts = options.maxAttempts ?? 8
    this.scale = options.timeScale ?? 1
  }

  private get budget(): number {
    return this.pageSize * 2
  }

  /** Runs every task to its end (or failure). Rejects only with a FatalError. */
  async run(tasks: readonly BatchTask[]): Promise<void> {
    let active = [...tasks]
    while (active.length > 0) {
      const batch: { task: BatchTask; part: PagePart }[] = []
      let used = 0
      const still: BatchTask[] = []
      for (const task of active) {
        let part: PagePart | null
        try {
          part = task.nextPart(this.pageSize)
        } catch (err) {
          if (err instanceof FatalError) throw err
          task.fail(err as Error)
          continue
        }
        if (!part) continue
        still.push(task)
        if (batch.length === 0 || used + part.cost <= this.budget) {
          batch.push({ task, part })
          used += part.cost
        }
      }
      active = still
      if (batch.length === 0) break
      await this.execute(batch)
    }
  }

  private async execute(batch: { task: BatchTask; part: PagePart }[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const parts = batch.map((b, i) => `t${i}: ${b.part.field}`)
      const body = parts.join('\n')
      const query = [`query ${operationName(batch.map((b) => b.task.id))} {\n${body}\n}`, ...usedFragments(body, this.options.fragments ?? {})].join('\n')
      this.options.onRequest?.(batch.map((b) => b.task.id))
      let data: Record<string, unknown> | null = null
      let errors: GraphQLError[] = []
      const sent = Date.now()
      try {
        data = (await this.octokit.graphql(query, { request: { retries: 0 } })) as Record<string, unknown>
        this.log.push({ tasks: batch.map((b) => b.task.id), pageSize: this.pageSize, status: 'ok', ms: Date.now() - sent })
      } catch (err) {
        const partial = err as { name?: string; data?: Record<string, unknown> | null; errors?: GraphQLError[]; headers?: Record<string, string> }
        if (partial?.name === 'GraphqlResponseError' && partial.errors?.some((e) => e.type === 'RATE_LIMITED') && attempt < this.maxAttempts) {
          // The GraphQL budget is spent (octokit's throttling handles this on github.com, not at GHES's /api/graphql): wait for the reset.
          const reset = Number(partial.headers?.['x-ratelimit-reset'] ?? 0) * 1000
          await sleep(Math.max(1000, reset - Date.now() + 1000) * this.scale)
          continue
        }
        if (partial?.name === 'GraphqlResponseError') {
          data = partial.data ?? null
          errors = partial.errors ?? []
          this.log.push({ tasks: batch.map((b) => b.task.id), pageSize: this.pageSize, status: 'ok', ms: Date.now() - sent })
        } else {
          const status = statusOf(err) ?? 0
          this.log.push({ tasks: batch.map((b) => b.task.id), pageSize: this.pageSize, status, ms: Date.now() - sent })
          const shrink = SHRINK.has(status)
          const retry = shrink || RETRYABLE.has(status) || status === 0 || status === 429
          if (!retry || attempt >= this.maxAttempts) {
            // Shared requests must not let one task's failure take the others down: try each alone.
            if (batch.length > 1) {
              for (const b of batch) await this.execute([b])
              return
            }
            for (const b of batch) b.task.fail(err as Error)
            return
          }
          this.successes = 0
          if (shrink && this.pageSize > 1) {
            this.pageSize = Math.max(1, Math.floor(this.pageSize / 2))
            // Re-plan with the smaller page: the parts and how many fit change.
            const replanned: { task: BatchTask; part: PagePart }[] = []
            let used = 0
            for (const b of batch) {
              const part = b.task.nextPart(this.pageSize)
              if (!part) continue
              if (replanned.length > 0 && used + part.cost > this.budget) break
              replanned.push({ task: b.task, part })
              used += part.cost
            }
            batch = replanned
            if (batch.length === 0) return
          } else {
            await sleep(Math.min(60_000, 1000 * 2 ** (attempt - 1)) * this.scale)
          }
          continue
        }
      }
      const whole = errors.filter((e) => !e.path || e.path.length === 0)
      if (whole.length > 0 && !data) {
        if (whole.some((e) => /timeout|timed out|MAX_NODE_LIMIT|complexity/i.test(`${e.type} ${e.message}`)) && this.pageSize > 1 && attempt < this.maxAttempts) {
          this.pageSize = Math.max(1, Math.floor(this.pageSize / 2))
          continue
        }
        for (const b of batch) b.task.fail(new FieldError(whole.map((e) => e.message).join('; '), whole[0]!.type))
        return
      }
      if (++this.successes >= 5 && this.pageSize < this.maxPageSize) {
        this.pageSize = Math.min(this.maxPageSize, this.pageSize * 2)
        this.successes = 0
      }
      for (let i = 0; i < batch.length; i++) {
        const { task } = batch[i]!
        const alias = `t${i}`
        const own = errors.filter((e) => e.path?.[0] === alias)
        const value = data?.[alias] ?? null
        if (value === null && own.length > 0) {
          task.fail(new FieldError(own.map((e) => e.message).join('; '), own[0]!.type))
          continue
        }
        try {
          await task.handle(value, own)
        } catch (err) {
          if (err instanceof FatalError) throw err
          task.fail(err as Error)
        }
      }
      return
    }
  }
}

/** `PullRequests_Commits` for tasks `acme/api:pull_requests` and `acme/web:commits`: what a request reads, for logs. */
export function operationName(taskIds: readonly string[]): string {
  const kinds = new Set(taskIds.map((id) => id.slice(id.lastIndexOf(':') + 1).replace(/[^A-Za-z0-9_]/g, '_').replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())))
  return [...kinds].sort().join('_').slice(0, 200) || 'Query'
}

/** A GraphQL string literal. */
export function gqlString(value: string): string {
  return JSON.stringify(value)
}
