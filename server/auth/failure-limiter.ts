/**
 * Counts failed authentications per client address in a sliding window, so guessing tokens is
 * throttled even on routes without their own rate limit. In memory: each replica counts its own.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>()

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(key: string): boolean {
    return this.recent(key).length >= this.max
  }

  record(key: string): void {
    const list = this.recent(key)
    list.push(this.now())
    this.failures.set(key, list)
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!)
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff)
  }
}
