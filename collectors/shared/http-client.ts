/**
 * A small JSON-over-HTTP client for the incident tools (PagerDuty, incident.io, Opsgenie): Node's
 * fetch, the vendor's auth header, retries on 429, 5xx, network errors and truncated bodies with
 * a bounded backoff. Kept here rather than in collectors/shared/ only because of who owns which
 * folder; incidentio/ and opsgenie/ import it.
 */

export type Sleep = (ms: number) => Promise<void>

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export interface JsonClientOptions {
  /** Vendor name used in error messages. */
  vendor: string
  baseUrl: string
  headers: Record<string, string>
  /** Waits between attempts (tests inject a recording no-op). */
  sleep?: Sleep
  /** Attempts per request, the first included (default 6). */
  maxAttempts?: number
  /** Longest single wait, ms (default 120 s): a reset far in the future is not waited for whole. */
  maxWaitMs?: number
  /** Per-attempt timeout, ms (default 30 s). */
  timeoutMs?: number
  /** Clock used to read HTTP-date `retry-after` values. */
  now?: () => Date
}

export type QueryValue = string | number | boolean | readonly string[] | undefined | null

/** A vendor answer that is not retried (4xx other than 429) or that kept failing. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

export interface JsonClient {
  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T>
  /** Requests sent so far, retries included. */
  readonly requests: number
  /** The waits taken before retries, ms. */
  readonly waits: readonly number[]
}

const BASE_BACKOFF_MS = 1_000
const MAX_BACKOFF_MS = 60_000

/**
 * How long to wait before retrying a rate-limited or failed answer, ms: `retry-after` (seconds or
 * an HTTP date), else `ratelimit-reset` / `x-ratelimit-reset` (seconds to go, or an epoch when
 * larger than a day), else exponential backoff from 1 s; never more than `maxWaitMs`.
 */
export function retryDelayMs(headers: Headers | null, attempt: number, now: Date, maxWaitMs: number): number {
  const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1))
  const fromHeaders = (): number | null => {
    if (!headers) return null
    const retryAfter = headers.get('retry-after')
    if (retryAfter) {
      const seconds = Number(retryAfter)
      if (Number.isFinite(seconds)) return seconds * 1000
      const at = Date.parse(retryAfter)
      if (Number.isFinite(at)) return at - now.getTime()
    }
    const reset = headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset')
    if (reset) {
      const n = Number(reset)
      if (Number.isFinite(n)) return n > 86_400 ? n * 1000 - now.getTime() : n * 1000
    }
    return null
  }
  const wanted = fromHeaders()
  // A reset already past (clock skew) falls back to the backoff rather than retrying at once.
  const ms = wanted === null || wanted <= 0 ? backoff : wanted
  return Math.min(maxWaitMs, Math.ceil(ms))
}

function buildUrl(baseUrl: string, path: string, query: Record<string, QueryValue> = {}): URL {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path)
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v)
    else url.searchParams.set(key, String(value))
  }
  return url
}

/** A JSON GET client with retries (see JsonClientOptions). */
export function createJsonClient(options: JsonClientOptions): JsonClient {
  const sleep = options.sleep ?? realSleep
  const maxAttempts = options.maxAttempts ?? 6
  const maxWaitMs = options.maxWaitMs ?? 120_000
  const timeoutMs = options.timeoutMs ?? 30_000
  const now = options.now ?? (() => new Date())
  const waits: number[] = []
  let requests = 0

  async function get<T>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    const url = buildUrl(options.baseUrl, path, query)
    const what = `${options.vendor} GET ${url.pathname}`
    for (let attempt = 1; ; attempt++) {
      requests++
      let failure: string
      let headers: Headers | null = null
      try {
        const res = await fetch(url, { headers: { Accept: 'application/json', ...options.headers }, signal: AbortSignal.timeout(timeoutMs) })
        headers = res.headers
        const text = await res.text()
        if (res.ok) {
          try {
            return JSON.parse(text) as T
          } catch {
            failure = `${what}: the body is not valid JSON (truncated?)`
          }
        } else if (res.status === 429 || res.status >= 500) {
          failure = `${what}: HTTP ${res.status}${res.status === 429 ? ' (rate limited)' : ''}`
        } else {
          throw new HttpError(res.status, `${what}: HTTP ${res.status} ${text.slice(0, 300)}`)
        }
      } catch (err) {
        if (err instanceof HttpError) throw err
        failure = `${what}: ${(err as Error).message}`
      }
      if (attempt >= maxAttempts) throw new HttpError(0, `${failure} — gave up after ${attempt} attempts`)
      const wait = retryDelayMs(headers, attempt, now(), maxWaitMs)
      waits.push(wait)
      await sleep(wait)
    }
  }

  return {
    get,
    get requests() {
      return requests
    },
    get waits() {
      return waits
    },
  }
}
