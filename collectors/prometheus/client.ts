/** One series of a `query_range` answer: its labels and `[unix seconds, value as text]` pairs. */
export interface RangeSeries {
  metric: Record<string, string>
  values: [number, string][]
}

/** An error answer from Prometheus (or no usable answer at all). */
export class PrometheusError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** Prometheus's `errorType` (bad_data, execution, timeout, …) when it sent one. */
    readonly errorType: string | null,
  ) {
    super(message)
    this.name = 'PrometheusError'
  }

  /** The range asked for too many points per series (Prometheus allows 11,000) or too many samples: split it. */
  get rangeTooLarge(): boolean {
    return /maximum resolution|points per (time)?series|too many samples/i.test(this.message)
  }

  /** Worth retrying: no answer, a 5xx or a 429. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500
  }
}

export interface PrometheusClientOptions {
  url: string
  headers?: Record<string, string>
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number
  /** Attempts for transient failures (default 3). */
  attempts?: number
  /** Waits between attempts (tests pass a no-op). */
  sleep?: (ms: number) => Promise<void>
}

/** A small Prometheus HTTP API client: `query_range` with retries, counting requests. */
export class PrometheusClient {
  requests = 0
  private readonly base: string
  private readonly sleep: (ms: number) => Promise<void>

  constructor(private readonly options: PrometheusClientOptions) {
    this.base = options.url.replace(/\/+$/, '')
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  }

  /**
   * Evaluates `query` at `start`, `start + step`, … `end` (unix seconds) and returns the matrix.
   * Sent as a form POST so long queries never hit URL length limits.
   */
  async queryRange(query: string, start: number, end: number, stepSeconds: number): Promise<RangeSeries[]> {
    const attempts = this.options.attempts ?? 3
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(query, start, end, stepSeconds)
      } catch (err) {
        const e = err instanceof PrometheusError ? err : new PrometheusError(`Prometheus request failed: ${(err as Error).message}`, 0, null)
        if (!e.transient || attempt >= attempts) throw e
        await this.sleep(500 * 2 ** (attempt - 1))
      }
    }
  }

  private async once(query: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    this.requests++
    const body = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) })
    const res = await fetch(`${this.base}/api/v1/query_range`, {
      method: 'POST',
      headers: { ...this.options.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    })
    const text = await res.text()
    let json: { status?: string; errorType?: string; error?: string; data?: { resultType?: string; result?: unknown } } | undefined
    try {
      json = JSON.parse(text)
    } catch {
      throw new PrometheusError(`Prometheus answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`, res.status === 200 ? 502 : res.status, null)
    }
    if (!res.ok || json?.status !== 'success') {
      throw new PrometheusError(`Prometheus answered ${res.status}: ${json?.errorType ?? 'error'}: ${json?.error ?? text.slice(0, 200)}`, res.status, json?.errorType ?? null)
    }
    if (json.data?.resultType !== 'matrix' || !Array.isArray(json.data.result)) {
      throw new PrometheusError(`Prometheus answered a ${json.data?.resultType ?? 'missing'} result where a matrix was expected`, 502, null)
    }
    return json.data.result as RangeSeries[]
  }
}
