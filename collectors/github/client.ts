import { createHash } from 'node:crypto'
import { createAppAuth } from '@octokit/auth-app'
import { Octokit, RequestError } from 'octokit'
import type { GitHubConfig } from '../../server/config/app-config.ts'

/** The REST API version every request asks for. */
export const API_VERSION = '2022-11-28'

/** What a client has spent: HTTP requests made (retries included), 304s among them, and the budget left. */
export class RequestMeter {
  requests = 0
  notModified = 0
  /** Last seen `x-ratelimit-*` per resource (core, graphql, search, …). */
  readonly rateLimits = new Map<string, { remaining: number; limit: number; reset: Date }>()

  observe(status: number, headers: Headers): void {
    if (status === 304) this.notModified++
    const remaining = headers.get('x-ratelimit-remaining')
    if (remaining === null) return
    const resource = headers.get('x-ratelimit-resource') ?? 'core'
    this.rateLimits.set(resource, {
      remaining: Number(remaining),
      limit: Number(headers.get('x-ratelimit-limit') ?? Number.NaN),
      reset: new Date(Number(headers.get('x-ratelimit-reset') ?? 0) * 1000),
    })
  }

  /** The smallest remaining budget among the resources seen, or null before any response. */
  get rateLimitRemaining(): number | null {
    if (this.rateLimits.size === 0) return null
    return Math.min(...[...this.rateLimits.values()].map((r) => r.remaining))
  }
}

export interface GitHubClientOptions {
  /** Multiplies every wait (retry-after, backoff, GraphQL spacing); tests pass e.g. 0.001. */
  timeScale?: number
  /** The fetch to send requests with (default: global fetch). */
  fetch?: typeof fetch
  /** Retries of a 5xx, a reset connection or a truncated body, per request (default 5). */
  retries?: number
  /** Waits for a rate limit (primary: until the reset; secondary: retry-after or 60 s) per request (default 8). */
  rateLimitRetries?: number
  log?: { debug(msg: string): void; info(msg: string): void; warn(msg: string): void; error(msg: string): void }
}

const meters = new WeakMap<object, RequestMeter>()
const keys = new WeakMap<object, string>()

/** The meter of an Octokit built here (or attached by `attachMeter`). */
export function meterOf(octokit: Octokit): RequestMeter | undefined {
  return meters.get(octokit)
}

/** An id for the credentials a client uses (a hash, never the secret): ETags are only valid for the token that got them. */
export function credentialKey(config: Pick<GitHubConfig, 'baseUrl' | 'token' | 'app'>): string {
  const material = config.token
    ? `token:${config.token}`
    : config.app
      ? `app:${config.baseUrl}:${config.app.appId}:${config.app.installationId}`
      : `anonymous:${config.baseUrl}`
  return createHash('sha256').update(material).digest('hex').slice(0, 32)
}

/** The credential key of an Octokit built here, or the given fallback. */
export function credentialKeyOf(octokit: Octokit, fallback: string): string {
  return keys.get(octokit) ?? fallback
}

const NULL_BODY = new Set([101, 204, 205, 304])

/**
 * A fetch that counts every attempt and reads JSON bodies fully before octokit sees them: a body
 * cut short (a reset connection, a truncated reply) becomes a thrown error, which octokit turns
 * into a retryable 500 instead of silently handing back the partial text.
 */
function meteredFetch(base: typeof fetch, meter: RequestMeter): typeof fetch {
  return async (input, init) => {
    meter.requests++
    const res = await base(input, init)
    meter.observe(res.status, res.headers)
    if (NULL_BODY.has(res.status) || init?.method === 'HEAD') return res
    if (!/json/i.test(res.headers.get('content-type') ?? '')) return res
    const text = await res.text()
    try {
      JSON.parse(text)
    } catch {
      throw new TypeError(`GitHub sent an incomplete JSON body (${text.length} bytes, status ${res.status})`)
    }
    const headers = new Headers(res.headers)
    headers.delete('content-encoding')
    headers.delete('content-length')
    return new Response(text, { status: res.status, statusText: res.statusText, headers })
  }
}

/** A stand-in for plugin-throttling's GraphQL limiter with its 1 s spacing scaled by timeScale. */
function spacedGroup(minTimeMs: number) {
  let next = 0
  let chain: Promise<unknown> = Promise.resolve()
  const limiter = {
    schedule<T>(_options: unknown, fn: (...args: unknown[]) => Promise<T>, ...args: unknown[]): Promise<T> {
      const run = chain.then(async () => {
        const wait = next - Date.now()
        if (wait > 0) await sleep(wait)
        next = Date.now() + minTimeMs
        return fn(...args)
      })
      chain = run.catch(() => undefined)
      return run
    },
  }
  return { key: () => limiter }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * An Octokit for a background job, pointed at `config.baseUrl` (github.com or GitHub Enterprise
 * Server's /api/v3) and authenticated with the token or the GitHub App installation:
 * - primary rate limits are waited out until the reset, secondary ones for `retry-after`
 *   (else 60 s), up to `rateLimitRetries` times each request (octokit's own handlers retry once);
 * - 5xx answers, reset connections and truncated bodies are retried `retries` times with
 *   growing backoff, and a plain 429 after its `retry-after`;
 * - every attempt is counted by `meterOf(octokit)`, with the rate-limit budget it reported.
 */
export function createGitHubOctokit(config: Pick<GitHubConfig, 'baseUrl' | 'token' | 'app'>, options: GitHubClientOptions = {}): Octokit {
  const scale = options.timeScale ?? 1
  const meter = new RequestMeter()
  const rateLimitRetries = options.rateLimitRetries ?? 8
  const log = options.log ?? { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
  const auth = config.token
    ? { auth: config.token }
    : config.app
      ? {
          authStrategy: createAppAuth,
          auth: {
            appId: Number(config.app.appId),
            privateKey: String(config.app.privateKey).replace(/\\n/g, '\n'),
            installationId: Number(config.app.installationId),
          },
        }
      : {}
  const octokit = new Octokit({
    baseUrl: config.baseUrl.replace(/\/+$/, ''),
    ...auth,
    log,
    request: { fetch: meteredFetch(options.fetch ?? globalThis.fetch, meter) },
    retry: { retries: options.retries ?? 5, retryAfterBaseValue: 1000 * scale, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: {
      retryAfterBaseValue: 1000 * scale,
      fallbackSecondaryRateRetryAfter: 60,
      ...(scale !== 1 && { write: spacedGroup(1000 * scale) }),
      onRateLimit: (retryAfter: number, o: { method: string; url: string }, _k: unknown, retryCount: number) => {
        log.warn(`GitHub rate limit exhausted (${o.method} ${o.url}); waiting ${retryAfter} s for the reset`)
        return retryCount < rateLimitRetries
      },
      onSecondaryRateLimit: (retryAfter: number, o: { method: string; url: string }, _k: unknown, retryCount: number) => {
        log.warn(`GitHub secondary rate limit (${o.method} ${o.url}); waiting ${retryAfter} s`)
        return retryCount < rateLimitRetries
      },
    },
  })
  octokit.hook.before('request', (o) => {
    o.headers['x-github-api-version'] ??= API_VERSION
  })
  // A 429 that is neither a primary nor a recognisably secondary limit: wait retry-after (else back off).
  octokit.hook.wrap('request', async (request, o) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(o)
      } catch (err) {
        if (!(err instanceof RequestError) || err.status !== 429 || attempt >= rateLimitRetries) throw err
        const after = Number(err.response?.headers['retry-after'])
        const seconds = Number.isFinite(after) && after > 0 ? after : Math.min(60 * 2 ** attempt, 900)
        log.warn(`GitHub answered 429 (${o.method} ${o.url}); retrying in ${seconds} s`)
        await sleep(seconds * 1000 * scale)
      }
    }
  })
  meters.set(octokit, meter)
  keys.set(octokit, credentialKey(config))
  return octokit
}

/** Counts the requests of an Octokit built elsewhere (tests), at the level of whole requests. */
export function attachMeter(octokit: Octokit): RequestMeter {
  const known = meters.get(octokit)
  if (known) return known
  const meter = new RequestMeter()
  octokit.hook.before('request', () => {
    meter.requests++
  })
  octokit.hook.after('request', (res) => meter.observe(res.status, new Headers(res.headers as Record<string, string>)))
  octokit.hook.error('request', (err) => {
    if (err instanceof RequestError && err.response) meter.observe(err.status, new Headers(err.response.headers as Record<string, string>))
    throw err
  })
  meters.set(octokit, meter)
  return meter
}
