/**
 * Serialized API answers keyed by request and data version: a repeat of the same request while
 * the data version is unchanged is answered without evaluating or serializing again. Entries
 * expire after `maxAgeMs` (values near "now" move with the clock); concurrent misses for one key
 * share a single computation.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { at: number; body: Promise<string> }>()

  constructor(
    private readonly maxEntries = 1_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** The cached body for `key` at `version`, or the one `make` produces (cached unless it fails). */
  get(key: string, version: string, make: () => Promise<string>): Promise<string> {
    const k = `${version}\u0000${key}`
    const now = Date.now()
    const hit = this.entries.get(k)
    if (hit && now - hit.at <= this.maxAgeMs) {
      this.entries.delete(k)
      this.entries.set(k, hit)
      return hit.body
    }
    const entry = { at: now, body: make() }
    this.entries.delete(k)
    this.entries.set(k, entry)
    entry.body.catch(() => {
      if (this.entries.get(k) === entry) this.entries.delete(k)
    })
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    return entry.body
  }

  clear(): void {
    this.entries.clear()
  }
}
