import type { Kysely } from 'kysely'
import type { AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import { kpiEntry } from '../kpis/present.ts'
import type { KpiEngine } from '../metrics/kpi-engine.ts'
import { parsePeriodLabel, shiftPeriod, type Period } from '../metrics/periods.ts'
import { findDemoState, listSyncStates } from '../repositories/sync-state.repository.ts'
import type { KpiEntry } from '../routes/kpis.schema.ts'
import { SNAPSHOT_FORMAT, type SnapshotDocument, type SnapshotFreshness, type SnapshotKpi } from '../routes/snapshots.schema.ts'
import { freshness } from '../sync/freshness.ts'
import { VERSION } from '../version.ts'
import { canonicalJson, sha256Hex } from './canonical-json.ts'
import { boardKpis, currentOf, formatCoverage, formatDelta } from './format.ts'

/** Periods in a snapshot's series: the snapshot's period and the twelve before it. */
export const SNAPSHOT_PERIODS = 13

const MONTH_OR_QUARTER = /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/

/** A snapshot's period from `2026-10` or `2026-Q3`; an error message (naming no field) otherwise. */
export function parseSnapshotPeriod(text: string, timezone: string): Period | string {
  const p = MONTH_OR_QUARTER.test(text) ? parsePeriodLabel(text, timezone) : null
  if (!p) return `expected a month (2026-10) or a quarter (2026-Q3), got "${text}"`
  return p
}

export interface FreezeInput {
  id: string
  period: Period
  scope: string
  title?: string
  commentary?: string | null
  takenBy: string
  takenAt: Date
}

export interface Frozen {
  document: SnapshotDocument
  /** The canonical JSON text of the document: what is stored, hashed and exported as .json. */
  text: string
  /** sha256 of `text`, hex. */
  hash: string
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/**
 * Freezes every KPI as it stands now for one scope and period: value, status, target, level,
 * delta, sample size and coverage over 13 periods ending with `period`, the definitions' text,
 * the freshness of every source and the caveats a reader needs. Throws ScopeError for an unknown
 * scope. The result depends on nothing but the data, definitions and clock at this moment.
 */
export async function freezeSnapshot(args: { db: Kysely<Database>; engine: KpiEngine; config: AppConfig }, input: FreezeInput): Promise<Frozen> {
  const { db, engine, config } = args
  const tz = engine.timezone
  const first = shiftPeriod(input.period, -(SNAPSHOT_PERIODS - 1), tz)
  const version = await engine.dataVersion()
  const [result, states, demo] = await Promise.all([
    engine.series({ scope: input.scope, period: input.period.kind, from: first.start, to: input.period.end, version }),
    listSyncStates(db),
    findDemoState(db),
  ])
  const scope = result.scope.key
  const kpis = result.kpis.map((k): SnapshotKpi => {
    const entry = kpiEntry(k, scope)
    return { ...entry, note: noteOf(entry) }
  })
  const sources: SnapshotFreshness[] = states.map((s) => ({
    source: s.source,
    scope: s.scope,
    status: freshness({ source: s.source, lastStartedAt: s.last_started_at, lastSuccessAt: s.last_success_at, lastErrorAt: s.last_error_at }, input.takenAt),
    lastSuccessAt: iso(s.last_success_at),
    lastErrorAt: iso(s.last_error_at),
    lastError: s.last_error,
  }))
  const partial = input.period.end > input.takenAt
  const organisation = demo ? 'Acme Demo' : config.organisation
  const document: SnapshotDocument = {
    format: SNAPSHOT_FORMAT,
    id: input.id,
    title: input.title?.trim() || defaultTitle(input.period.label, scope),
    commentary: input.commentary?.trim() ? input.commentary.trim() : null,
    organisation,
    demo: Boolean(demo),
    scope,
    timezone: tz,
    period: { label: input.period.label, kind: input.period.kind as 'month' | 'quarter', start: input.period.start.toISOString(), end: input.period.end.toISOString(), partial },
    from: first.start.toISOString(),
    to: input.period.end.toISOString(),
    takenAt: input.takenAt.toISOString(),
    takenBy: input.takenBy,
    meridianVersion: VERSION,
    dataVersion: version,
    freshness: sources,
    caveats: [],
    kpis,
  }
  document.caveats = caveatsOf(document)
  const text = canonicalJson(document)
  // The document is what the text parses back to (canonical key order), so every export reads the same thing.
  return { document: JSON.parse(text) as SnapshotDocument, text, hash: sha256Hex(text) }
}

/** `Engineering report 2026-10` (with the scope unless it is the organisation). */
export const defaultTitle = (period: string, scope: string) => `Engineering report ${period}${scope === 'org' ? '' : ` — ${scope}`}`

/** One line for the board about the latest value: what changed, its level and sample, or why it is missing. */
export function noteOf(entry: KpiEntry): string {
  if (entry.error !== undefined) return `Could not be computed: ${entry.error}`
  const item = entry.series[entry.series.length - 1]
  if (!item) return 'No periods.'
  const previous = entry.series[entry.series.length - 2]
  const parts: string[] = []
  if (item.status === 'no-data') parts.push(capitalise(item.reason ?? 'nothing to measure in this period'))
  else {
    if (item.delta && previous) {
      const direction = item.delta.good === null ? 'unchanged' : item.delta.good ? 'better' : 'worse'
      parts.push(`${formatDelta(item.delta)} vs ${previous.label} (${direction})`)
    } else if (previous && previous.value === item.value) parts.push(`unchanged vs ${previous.label}`)
    if (item.level) parts.push(`level ${item.level}`)
    parts.push(`n = ${item.sampleSize}`)
    const coverage = formatCoverage(item.coverage)
    if (coverage && item.coverage !== 1) parts.push(`coverage ${coverage}`)
    if (item.status === 'low-confidence' && item.reason) parts.push(item.reason)
  }
  if (item.partial) parts.push('period not ended')
  return parts.join('; ')
}

const capitalise = (s: string) => (s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1))

/** What a reader must know before trusting the numbers: partial period, demo data, stale sources, missing values. */
export function caveatsOf(doc: SnapshotDocument): string[] {
  const out: string[] = []
  if (doc.period.partial) out.push(`${doc.period.label} had not ended when this snapshot was taken (${doc.takenAt.slice(0, 10)}): its values are partial.`)
  if (doc.demo) out.push('The figures come from the generated demo organisation, not from collected data.')
  const collected = doc.freshness.filter((f) => f.source !== 'demo')
  if (doc.freshness.length === 0) out.push('No source had been collected: computed KPIs have no data; entered values only.')
  for (const f of collected) {
    if (f.status === 'fresh' || f.status === 'running') continue
    const last = f.lastSuccessAt ? `last successful collection ${f.lastSuccessAt.slice(0, 16).replace('T', ' ')} UTC` : 'never collected successfully'
    out.push(`${f.source} (${f.scope}) was ${f.status}: ${last}${f.status === 'error' && f.lastError ? ` (last error: ${f.lastError.slice(0, 200)})` : ''}.`)
  }
  const named = (status: string) =>
    doc.kpis
      .filter((k) => k.error === undefined && currentOf(k)?.status === status)
      .map((k) => k.kpi.name)
  const failed = doc.kpis.filter((k) => k.error !== undefined).map((k) => k.kpi.name)
  if (failed.length > 0) out.push(`Could not be computed: ${failed.join(', ')}.`)
  const noData = named('no-data')
  if (noData.length > 0) out.push(`No data for ${doc.period.label}: ${noData.join(', ')}.`)
  const low = named('low-confidence')
  if (low.length > 0) out.push(`Too small a sample (or no previous value) for a status: ${low.join(', ')}.`)
  const board = boardKpis(doc)
  if (board.length === 0) out.push('No KPI is marked for the board (board: true in its definition): the summary is empty.')
  return out
}
