import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'

type Executor = Kysely<Database> | Transaction<Database>

/** One entered value as stored; dates are `YYYY-MM-DD`, `periodEnd` exclusive. */
export interface MeasurementRow {
  id: number
  kpiId: string
  scope: string
  periodStart: string
  periodEnd: string
  value: number
  components: Record<string, number> | null
  note: string | null
  source: string
  enteredBy: string
  enteredAt: Date
}

/** One correction of a measurement: who changed it, when, and the value and components before → after. */
export interface MeasurementHistoryRow {
  id: number
  measurementId: number
  valueBefore: number | null
  valueAfter: number
  componentsBefore: Record<string, number> | null
  componentsAfter: Record<string, number> | null
  changedBy: string
  changedAt: Date
  source: string
}

/** jsonb arrives parsed from both drivers, but a string from older writers is tolerated. */
export function toComponents(raw: unknown): Record<string, number> | null {
  if (raw === null || raw === undefined) return null
  const parsed: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v
  return out
}

const COLUMNS = ['id', 'kpi_id', 'scope', 'period_start', 'period_end', 'value', 'components', 'note', 'source', 'entered_by', 'entered_at'] as const

type RawMeasurement = {
  id: number
  kpi_id: string
  scope: string
  period_start: string
  period_end: string
  value: number
  components: unknown
  note: string | null
  source: string
  entered_by: string
  entered_at: Date
}

/** Maps a stored `measurement` row to a MeasurementRow. */
export function toMeasurementRow(r: RawMeasurement): MeasurementRow {
  return {
    id: r.id,
    kpiId: r.kpi_id,
    scope: r.scope,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    value: r.value,
    components: toComponents(r.components),
    note: r.note,
    source: r.source,
    enteredBy: r.entered_by,
    enteredAt: new Date(r.entered_at),
  }
}

/**
 * Measurements of one KPI in exactly one scope whose `[period_start, period_end)` overlaps the
 * local dates `[from, to)`, ordered by period start then end.
 */
export async function measurementsOverlapping(db: Executor, args: { kpiId: string; scope: string; from: string; to: string }): Promise<MeasurementRow[]> {
  const rows = await db
    .selectFrom('measurement')
    .select(COLUMNS)
    .where('kpi_id', '=', args.kpiId)
    .where('scope', '=', args.scope)
    .where('period_start', '<', args.to)
    .where('period_end', '>', args.from)
    .orderBy('period_start')
    .orderBy('period_end')
    .execute()
  return rows.map(toMeasurementRow)
}

/** The corrections of the given measurements, newest first. */
export async function measurementHistory(db: Executor, measurementIds: readonly number[]): Promise<MeasurementHistoryRow[]> {
  if (measurementIds.length === 0) return []
  const rows = await db
    .selectFrom('measurement_history')
    .select(['id', 'measurement_id', 'value_before', 'value_after', 'components_before', 'components_after', 'changed_by', 'changed_at', 'source'])
    .where('measurement_id', 'in', [...measurementIds])
    .orderBy('changed_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    measurementId: r.measurement_id,
    valueBefore: r.value_before,
    valueAfter: r.value_after,
    componentsBefore: toComponents(r.components_before),
    componentsAfter: toComponents(r.components_after),
    changedBy: r.changed_by,
    changedAt: new Date(r.changed_at),
    source: r.source,
  }))
}

/** Filters of the measurements list; dates `YYYY-MM-DD`, a measurement matches when its period overlaps `[from, to)`. */
export interface MeasurementFilter {
  kpiId?: string
  scope?: string
  from?: string
  to?: string
  limit: number
  offset: number
}

const filtered = (db: Executor, f: Omit<MeasurementFilter, 'limit' | 'offset'>) =>
  db
    .selectFrom('measurement')
    .$if(f.kpiId !== undefined, (q) => q.where('kpi_id', '=', f.kpiId!))
    .$if(f.scope !== undefined, (q) => q.where('scope', '=', f.scope!))
    .$if(f.from !== undefined, (q) => q.where('period_end', '>', f.from!))
    .$if(f.to !== undefined, (q) => q.where('period_start', '<', f.to!))

/** Measurements matching the filter, newest period first, one page. */
export async function listMeasurements(db: Executor, f: MeasurementFilter): Promise<MeasurementRow[]> {
  const rows = await filtered(db, f)
    .select(COLUMNS)
    .orderBy('period_start', 'desc')
    .orderBy('kpi_id')
    .orderBy('scope')
    .orderBy('period_end')
    .limit(f.limit)
    .offset(f.offset)
    .execute()
  return rows.map(toMeasurementRow)
}

/** How many measurements match the filter (all pages). */
export async function countMeasurements(db: Executor, f: Omit<MeasurementFilter, 'limit' | 'offset'>): Promise<number> {
  const row = await filtered(db, f).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
  return row.n
}
