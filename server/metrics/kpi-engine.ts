import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import { DEFAULT_LABELS, type AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import { loadCatalog } from '../catalog/load-catalog.ts'
import { thresholdsFor, type KpiDefinition } from '../kpis/definition.ts'
import { readDataVersion, readPrecomputed, touchHotKeys, type HotKey, type PrecomputedValues } from '../repositories/data-version.repository.ts'
import { VERSION } from '../version.ts'
import type { Slo } from '../slo/openslo.ts'
import { deltaOf, evaluate, type Delta, type Evaluation } from './evaluate.ts'
import { periodsBetween, periodsEndingAt, shiftPeriod, type Period, type PeriodKind } from './periods.ts'
import { resolveScope, type ResolvedScope } from './scope.ts'
import { slosInScope } from './slo-attainment.ts'
import { currentBurn, type SloCurrentBurn } from './slo-status.ts'
import type { Formula, MetricContext, PeriodValue, RecordsPage } from './types.ts'

/** Periods in a year, to compare with the same period a year earlier (ISO week numbers: 52 back). */
const STEPS_PER_YEAR: Record<PeriodKind, number> = { week: 52, month: 12, quarter: 4 }

/** Periods shown when the request names no range: the current one and the eleven before it. */
export const DEFAULT_PERIODS = 12
/**
 * Cached values are refreshed after this long even without new data: some read the clock (current
 * period, SLO burn). The refresh runs in the background while the cached value is still served —
 * the data has not changed, only the clock moved.
 */
const MAX_AGE_MS = 5 * 60_000
/** A key's use is recorded (for the next collect to precompute) at most this often. */
const TOUCH_EVERY_MS = 5 * 60_000

export interface KpiEngineOptions {
  db: Kysely<Database>
  config: AppConfig
  definitions: readonly KpiDefinition[]
  formulas: ReadonlyMap<string, Formula>
  slos: readonly Slo[]
  clock: () => Date
  /** Cached (KPI × scope × range) series kept at most; least recently used go first. */
  cacheEntries?: number
  /** Formulas computed at once for one request. */
  concurrency?: number
}

export interface SeriesRequest {
  /** KPI ids; all when absent. */
  ids?: readonly string[]
  scope: string
  period: PeriodKind
  /** Inclusive start instant; with `to`, the periods overlapping [from, to). */
  from?: Date
  /** Exclusive end instant. */
  to?: Date
  /** The data version the caller already read (saves a query). */
  version?: string
  /** `year`: also give each period's value a year earlier (same month, quarter or ISO week number). */
  compare?: 'year'
}

/** The same period a year earlier, and the change since then. */
export interface Comparison {
  label: string
  value: number | null
  delta: Delta | null
}

/** One period's value with its evaluation, as the API returns it. */
export interface SeriesPoint extends Omit<PeriodValue, 'reason'>, Evaluation {
  period: Period
  /** The period has not ended yet. */
  partial: boolean
  /** With `compare: 'year'`. */
  comparison?: Comparison
}

export interface KpiSeries {
  definition: KpiDefinition
  /** The target, warn band and minimum sample that apply in the requested scope. */
  thresholds: ReturnType<typeof thresholdsFor>
  points: SeriesPoint[]
  /** Set when this KPI could not be computed; the others still are. */
  error: string | null
}

export interface SeriesResult {
  scope: ResolvedScope
  period: PeriodKind
  periods: Period[]
  timezone: string
  /** The data version the values were computed at. */
  version: string
  kpis: KpiSeries[]
}

export class UnknownKpiError extends Error {}

interface CacheEntry {
  version: string
  at: number
  values: Promise<PeriodValue[]>
  /** A background refresh after MAX_AGE_MS is running. */
  refreshing?: boolean
}

type StoredValues = Awaited<ReturnType<typeof readPrecomputed>>[number]

/** A cache key's parts: the KPI, the scope as written and the range of periods. */
interface KeyParts {
  definition: KpiDefinition
  scope: ResolvedScope
  periods: readonly Period[]
}

/**
 * Computes KPI series per scope and period: formulas give values, `evaluate` adds status, level
 * and delta. Values are cached per (KPI, scope, range) and reused while the data version is
 * unchanged — every collect, ingest, webhook and entered value bumps it — so a value is never
 * stale once a write has committed; concurrent requests for the same series share one computation.
 */
export class KpiEngine {
  readonly definitions: readonly KpiDefinition[]
  private readonly byId: Map<string, KpiDefinition>
  private readonly cache = new Map<string, CacheEntry>()
  private catalog: { version: string; at: number; value: Promise<{ resolve(scope: string): ResolvedScope }> } | null = null
  private readonly touched = new Map<string, number>()
  private pendingTouches: HotKey[] = []
  private touchTimer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly options: KpiEngineOptions) {
    this.definitions = options.definitions
    this.byId = new Map(options.definitions.map((d) => [d.id, d]))
  }

  definition(id: string): KpiDefinition | undefined {
    return this.byId.get(id)
  }

  get timezone(): string {
    return this.options.config.timezone
  }

  /** The periods a request covers: [from, to) when given, else the current period and the ones before it. */
  periodsFor(period: PeriodKind, from?: Date, to?: Date): Period[] {
    const tz = this.timezone
    if (from && to) return periodsBetween(period, from, to, tz)
    if (from) return periodsBetween(period, from, this.options.clock(), tz)
    return periodsEndingAt(period, to ? new Date(to.getTime() - 1) : this.options.clock(), DEFAULT_PERIODS, tz)
  }

  /** The current data version (changes whenever KPI inputs may have changed). */
  dataVersion(): Promise<string> {
    return readDataVersion(this.options.db)
  }

  /** Resolves a scope string against the stored repositories and teams (throws ScopeError). */
  async resolveScope(scope: string, version?: string): Promise<ResolvedScope> {
    const v = version ?? (await readDataVersion(this.options.db))
    const now = Date.now()
    if (!this.catalog || this.catalog.version !== v || now - this.catalog.at > MAX_AGE_MS) {
      const value = (async () => {
        const [catalog, teams] = await Promise.all([
          loadCatalog(this.options.db, this.options.config),
          this.options.db.selectFrom('team').select('id').execute(),
        ])
        const known = new Set(teams.map((t) => t.id))
        return { resolve: (s: string) => resolveScope(s, catalog, known) }
      })()
      this.catalog = { version: v, at: now, value }
      value.catch(() => {
        if (this.catalog?.value === value) this.catalog = null
      })
    }
    return (await this.catalog.value).resolve(scope)
  }

  /** Series with status, level and delta for the requested KPIs (all by default), in definition order. */
  async series(request: SeriesRequest): Promise<SeriesResult> {
    const definitions = request.ids ? request.ids.map((id) => this.requireDefinition(id)) : [...this.definitions]
    const version = request.version ?? (await this.dataVersion())
    const scope = await this.resolveScope(request.scope, version)
    const periods = this.periodsFor(request.period, request.from, request.to)
    // One period more than shown, so the first shown one has a delta.
    const computed = periods.length === 0 ? [] : [shiftPeriod(periods[0]!, -1, this.timezone), ...periods]
    const now = this.options.clock()
    const yearAgo = request.compare === 'year' && periods.length > 0 ? periods.map((p) => shiftPeriod(p, -STEPS_PER_YEAR[p.kind], this.timezone)) : null
    const ranges = [computed, yearAgo].filter((r): r is Period[] => r !== null && r.length > 0)
    const stored = await this.prefetch(definitions, scope, ranges, version)
    const kpis = await mapLimit(definitions, this.options.concurrency ?? 4, async (definition) => {
      const thresholds = thresholdsFor(definition, scope.key)
      try {
        const values = computed.length === 0 ? [] : await this.values(definition, scope, computed, version, stored)
        const before = yearAgo ? await this.values(definition, scope, yearAgo, version, stored) : null
        const points = periods.map((period, i): SeriesPoint => {
          const v = values[i + 1]!
          const point: SeriesPoint = { ...v, ...evaluate(definition, scope.key, v, values[i]!), period, partial: period.end > now }
          if (yearAgo && before) point.comparison = { label: yearAgo[i]!.label, value: before[i]!.value, delta: deltaOf(definition, v, before[i]!) }
          return point
        })
        return { definition, thresholds, points, error: null }
      } catch (err) {
        return { definition, thresholds, points: [], error: (err as Error).message }
      }
    })
    return { scope, period: request.period, periods, timezone: this.timezone, version, kpis }
  }

  /** The rows behind one KPI's value over [start, end) in a scope. */
  async records(id: string, args: { scope: string; period: PeriodKind; start: Date; end: Date; limit: number; offset: number }): Promise<RecordsPage> {
    const definition = this.requireDefinition(id)
    const formula = this.formula(definition)
    if (!formula.records) return { total: 0, records: [] }
    const scope = await this.resolveScope(args.scope)
    const period: Period = { kind: args.period, start: args.start, end: args.end, label: '' }
    return formula.records(this.context(definition, scope, [period]), { start: args.start, end: args.end, limit: args.limit, offset: args.offset })
  }

  /** For SLO KPIs, each SLO's burn rates and alert state as of now; null for other KPIs. */
  async current(id: string, scope: ResolvedScope): Promise<SloCurrentBurn[] | null> {
    const definition = this.requireDefinition(id)
    if (!definition.formula.startsWith('slo.')) return null
    return currentBurn(this.options.db, slosInScope(scope, this.options.slos), this.options.clock())
  }

  private requireDefinition(id: string): KpiDefinition {
    const d = this.byId.get(id)
    if (!d) throw new UnknownKpiError(`unknown KPI "${id}"`)
    return d
  }

  private formula(definition: KpiDefinition): Formula {
    const f = this.options.formulas.get(definition.formula)
    if (!f) throw new Error(`formula ${definition.formula} of ${definition.id} is not available`)
    return f
  }

  private context(definition: KpiDefinition, scope: ResolvedScope, periods: readonly Period[]): MetricContext {
    const { db, config, slos, clock } = this.options
    return { db, config, timezone: this.timezone, period: periods[0]!.kind, periods, scope, now: clock(), slos, definition }
  }

  /**
   * Reads in one query the stored (precomputed) values of the keys this request needs that are not
   * cached at this version — after a collect publishes, 31 lookups become one.
   */
  private async prefetch(definitions: readonly KpiDefinition[], scope: ResolvedScope, ranges: readonly Period[][], version: string): Promise<Map<string, StoredValues> | undefined> {
    const keys = definitions.flatMap((d) => ranges.map((r) => cacheKey(d, scope, r))).filter((k) => this.cache.get(k)?.version !== version)
    if (keys.length === 0) return undefined
    return new Map((await readPrecomputed(this.options.db, keys, version)).map((r) => [r.key, r]))
  }

  private values(definition: KpiDefinition, scope: ResolvedScope, periods: readonly Period[], version: string, stored?: Map<string, StoredValues>): Promise<PeriodValue[]> {
    const key = cacheKey(definition, scope, periods)
    const now = Date.now()
    this.touch(key, { definition, scope, periods }, now)
    const hit = this.cache.get(key)
    if (hit && hit.version === version) {
      // Map order is the LRU order: re-inserting marks it recently used.
      this.cache.delete(key)
      this.cache.set(key, hit)
      if (now - hit.at > MAX_AGE_MS && !hit.refreshing) this.refresh(key, hit, { definition, scope, periods })
      return hit.values
    }
    const values = this.load(key, { definition, scope, periods }, version, stored)
    const entry: CacheEntry = { version, at: now, values }
    this.store(key, entry)
    values.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key)
    })
    return values
  }

  private store(key: string, entry: CacheEntry): void {
    this.cache.delete(key)
    this.cache.set(key, entry)
    const max = this.options.cacheEntries ?? 5_000
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!)
  }

  /** Recomputes an aged entry in the background; the old values are served until it is done. */
  private refresh(key: string, entry: CacheEntry, parts: KeyParts): void {
    entry.refreshing = true
    this.compute(parts.definition, parts.scope, parts.periods).then(
      (values) => {
        if (this.cache.get(key) === entry) this.store(key, { version: entry.version, at: Date.now(), values: Promise.resolve(values) })
      },
      () => {
        entry.refreshing = false
      },
    )
  }

  /** The values a collect precomputed for this version when they match, else computed now. */
  private async load(key: string, parts: KeyParts, version: string, prefetched?: Map<string, StoredValues>): Promise<PeriodValue[]> {
    const stored = prefetched ? prefetched.get(key) : (await readPrecomputed(this.options.db, [key], version))[0]
    if (stored && stored.fingerprint === this.fingerprint(parts.definition, parts.scope)) {
      const values = JSON.parse(stored.values) as PeriodValue[]
      if (values.length === parts.periods.length) {
        // A precomputed value carries the time it was computed, so its age counts from then.
        const entry = this.cache.get(key)
        if (entry?.version === version) entry.at = new Date(stored.computed_at).getTime()
        return values
      }
    }
    return this.compute(parts.definition, parts.scope, parts.periods)
  }

  /**
   * Everything a cached value depends on besides the data and its key: the definition, what the
   * scope resolves to, the settings formulas read and the code. A precomputed value whose
   * fingerprint differs (a collect run with other definitions or config) is not used.
   */
  fingerprint(definition: KpiDefinition, scope: ResolvedScope): string {
    const { config } = this.options
    const gh = config.sources.github
    // The effective values formulas read (quality.metrics, productivity.metrics, the catalog).
    const settings = { tz: config.timezone, teams: config.teams, attribution: config.attribution, labels: gh?.labels ?? DEFAULT_LABELS, workflows: gh?.deployments.workflows ?? ['deploy.yml'], services: gh?.services ?? {} }
    return createHash('sha256').update(JSON.stringify([VERSION, definition, scope, settings])).digest('base64url')
  }

  /** Notes that a key was asked for (batched, at most every TOUCH_EVERY_MS per key). */
  private touch(key: string, parts: KeyParts, now: number): void {
    const last = this.touched.get(key)
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return
    this.touched.set(key, now)
    if (this.touched.size > 20_000) this.touched.clear()
    const { definition, scope, periods } = parts
    this.pendingTouches.push({ key, kpiId: definition.id, scope: scope.key, period: periods[0]!.kind, rangeStart: periods[0]!.start, rangeEnd: periods[periods.length - 1]!.end })
    this.touchTimer ??= setTimeout(() => void this.flushTouches(), 1_000)
    this.touchTimer.unref?.()
  }

  /** Writes the noted keys; a failure only means the next collect precomputes less. */
  async flushTouches(): Promise<void> {
    if (this.touchTimer) clearTimeout(this.touchTimer)
    this.touchTimer = null
    const keys = this.pendingTouches
    this.pendingTouches = []
    try {
      await touchHotKeys(this.options.db, keys, new Date()) // wall time: when it was asked, not the data's clock
    } catch {
      // The database may be closing; the keys are noted again on their next use.
    }
  }

  /**
   * Computes the given keys afresh (no cache), at most `concurrency` at once, until `deadline`:
   * what a finishing collect stores with the version it publishes. Keys whose KPI or scope no
   * longer exists, or whose range does not cut into the same periods, are skipped.
   */
  async precompute(keys: readonly HotKey[], deadline: number): Promise<PrecomputedValues[]> {
    const out: PrecomputedValues[] = []
    await mapLimit(keys, this.options.concurrency ?? 4, async (hot) => {
      if (Date.now() > deadline) return
      const definition = this.byId.get(hot.kpiId)
      if (!definition || !isPeriodKind(hot.period)) return
      let scope: ResolvedScope
      try {
        scope = await this.resolveScope(hot.scope)
      } catch {
        return
      }
      const periods = periodsBetween(hot.period, hot.rangeStart, hot.rangeEnd, this.timezone)
      const key = cacheKey(definition, scope, periods)
      if (periods.length === 0 || key !== hot.key) return
      try {
        const values = await this.compute(definition, scope, periods)
        out.push({ key, fingerprint: this.fingerprint(definition, scope), values: JSON.stringify(values), computedAt: new Date() })
      } catch {
        // A failing formula is computed (and reported) on demand instead.
      }
    })
    return out
  }

  private async compute(definition: KpiDefinition, scope: ResolvedScope, periods: readonly Period[]): Promise<PeriodValue[]> {
    const values = await this.formula(definition).compute(this.context(definition, scope, periods))
    if (values.length !== periods.length) throw new Error(`formula ${definition.formula} returned ${values.length} values for ${periods.length} periods`)
    return values.map(rounded)
  }

  /** Drops every cached value (tests, or after definitions change). */
  clear(): void {
    this.cache.clear()
    this.catalog = null
  }
}

/**
 * 12 significant digits: float sums (a mean) differ in their last bits with the order rows arrive
 * in, which differs between plans and engines; rounded, PGlite and PostgreSQL give identical numbers.
 */
const round12 = (x: number | null | undefined) => (typeof x === 'number' && x !== 0 && Number.isFinite(x) ? Number(x.toPrecision(12)) : x)
const roundAll = (r: Record<string, number | null> | undefined) => r && Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round12(v) ?? null]))

function rounded(v: PeriodValue): PeriodValue {
  const out: PeriodValue = { ...v, value: round12(v.value) ?? null }
  for (const key of ['coverage', 'p75', 'p90', 'mean'] as const) if (v[key] !== undefined) out[key] = round12(v[key]) ?? null
  if (v.breakdown) out.breakdown = roundAll(v.breakdown)
  if (v.measures) out.measures = roundAll(v.measures)
  return out
}

/** The cache key of one KPI × scope × range of periods. */
const cacheKey = (definition: KpiDefinition, scope: ResolvedScope, periods: readonly Period[]) =>
  `${definition.id}|${scope.key}|${periods[0]!.start.toISOString()}|${periods[periods.length - 1]!.end.toISOString()}|${periods[0]!.kind}`

const isPeriodKind = (p: string): p is PeriodKind => p === 'week' || p === 'month' || p === 'quarter'

/** Maps with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
