import { type Static, Type as T } from '@sinclair/typebox'
import { DeltaSchema, KpiInfo, ScopeSchema, SeriesItem, StatusSchema } from './kpis.schema.ts'

/** The version of the frozen document's shape; a reader of an older snapshot switches on it. */
export const SNAPSHOT_FORMAT = 'meridian.snapshot/1'
export const SNAPSHOT_EXPORT_FORMATS = ['json', 'csv', 'md', 'pdf'] as const
export type SnapshotExportFormat = (typeof SNAPSHOT_EXPORT_FORMATS)[number]

const SnapshotId = T.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'the snapshot id, e.g. snap-3f9a0c1d2e4b', examples: ['snap-3f9a0c1d2e4b'] })

export const SnapshotFreshness = T.Object({
  source: T.String(),
  scope: T.String(),
  /** fresh | stale | error | running | never, as GET /api/sync said when the snapshot was taken. */
  status: T.String(),
  lastSuccessAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
  lastErrorAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
  lastError: T.Union([T.String(), T.Null()]),
})
export type SnapshotFreshness = Static<typeof SnapshotFreshness>

export const SnapshotKpi = T.Object({
  /** The definition as it stood: name, description, computation, unit, direction, target that applied in the scope. */
  kpi: KpiInfo,
  /** 13 periods ending with the snapshot's period (the last item). */
  series: T.Array(SeriesItem),
  /** One line for the board: the change since the previous period, level, sample, or why there is no value. */
  note: T.String(),
  /** Set when the KPI could not be computed; its series is empty. */
  error: T.Optional(T.String()),
})
export type SnapshotKpi = Static<typeof SnapshotKpi>

export const SnapshotPeriod = T.Object({
  label: T.String({ description: '2026-10 (month) or 2026-Q3 (quarter)' }),
  kind: T.Union([T.Literal('month'), T.Literal('quarter')]),
  start: T.String({ format: 'date-time' }),
  end: T.String({ format: 'date-time', description: 'exclusive' }),
  /** The period had not ended when the snapshot was taken: its values are partial. */
  partial: T.Boolean(),
})

/** The frozen document: everything every export is drawn from, and nothing else. */
export const SnapshotDocument = T.Object({
  format: T.Literal(SNAPSHOT_FORMAT),
  id: T.String(),
  title: T.String(),
  commentary: T.Union([T.String(), T.Null()]),
  organisation: T.String(),
  /** The figures come from the generated demo organisation. */
  demo: T.Boolean(),
  scope: T.String(),
  timezone: T.String(),
  period: SnapshotPeriod,
  /** Start of the first period of the series and end of the last (exclusive). */
  from: T.String({ format: 'date-time' }),
  to: T.String({ format: 'date-time' }),
  takenAt: T.String({ format: 'date-time' }),
  takenBy: T.String(),
  meridianVersion: T.String(),
  /** The KPI data version the values were computed at. */
  dataVersion: T.String(),
  freshness: T.Array(SnapshotFreshness),
  caveats: T.Array(T.String()),
  kpis: T.Array(SnapshotKpi),
})
export type SnapshotDocument = Static<typeof SnapshotDocument>

export const SnapshotSummary = T.Object({
  id: SnapshotId,
  period: T.String(),
  scope: T.String(),
  title: T.String(),
  commentary: T.Union([T.String(), T.Null()]),
  takenAt: T.String({ format: 'date-time' }),
  takenBy: T.String(),
  partial: T.Boolean(),
  /** sha256 (hex) of the canonical JSON document — of the bytes GET /api/snapshots/:id.json returns. */
  contentHash: T.String(),
  exports: T.Object({ json: T.String(), csv: T.String(), md: T.String(), pdf: T.String() }),
})
export type SnapshotSummary = Static<typeof SnapshotSummary>

export const SnapshotCreateBody = T.Object(
  {
    period: T.String({ description: 'a month (2026-10) or a quarter (2026-Q3)', examples: ['2026-10', '2026-Q3'] }),
    scope: T.Optional(ScopeSchema),
    title: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
    commentary: T.Optional(T.String({ maxLength: 2000, description: "the CTO's commentary, shown on the summary page" })),
  },
  { additionalProperties: false },
)
export type SnapshotCreateBody = Static<typeof SnapshotCreateBody>

export const SnapshotCreated = T.Object({ snapshot: SnapshotSummary })

export const SnapshotList = T.Object({ total: T.Integer(), snapshots: T.Array(SnapshotSummary) })

export const SnapshotListQuery = T.Object(
  {
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 200, default: 50 })),
    offset: T.Optional(T.Integer({ minimum: 0, default: 0 })),
  },
  { additionalProperties: false },
)

export const SnapshotView = T.Object({ snapshot: SnapshotSummary, document: SnapshotDocument })
export type SnapshotView = Static<typeof SnapshotView>

export const SnapshotParams = T.Object({ id: SnapshotId })
export const SnapshotExportParams = T.Object({
  id: SnapshotId,
  format: T.Union(SNAPSHOT_EXPORT_FORMATS.map((f) => T.Literal(f)), { description: 'json (the frozen document), csv, md or pdf' }),
})

export const SnapshotExportQuery = T.Object(
  { download: T.Optional(T.Union([T.Literal('1'), T.Literal('true')], { description: 'send Content-Disposition: attachment' })) },
  { additionalProperties: false },
)

export const SnapshotCompareQuery = T.Object(
  {
    a: T.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'the earlier (base) snapshot' }),
    b: T.String({ pattern: '^[a-z0-9-]{1,64}$', description: 'the later snapshot' }),
  },
  { additionalProperties: false },
)

const SidePoint = T.Object({
  label: T.Union([T.String(), T.Null()]),
  value: T.Union([T.Number(), T.Null()]),
  status: T.Union([StatusSchema, T.Null()]),
  target: T.Union([T.String(), T.Null()]),
})

export const SnapshotCompareKpi = T.Object({
  id: T.String(),
  name: T.String(),
  category: T.String(),
  unit: T.String(),
  board: T.Boolean(),
  a: SidePoint,
  b: SidePoint,
  /** b against a: percentage points for rates, percent otherwise; null when either value is missing (or a is 0, percent). */
  change: T.Union([DeltaSchema, T.Null()]),
  moved: T.Boolean(),
  statusChanged: T.Boolean(),
  targetChanged: T.Boolean(),
})
export type SnapshotCompareKpi = Static<typeof SnapshotCompareKpi>

export const SnapshotCompare = T.Object({
  a: SnapshotSummary,
  b: SnapshotSummary,
  sameScope: T.Boolean(),
  /** KPIs in both snapshots, in b's order. */
  kpis: T.Array(SnapshotCompareKpi),
  onlyInA: T.Array(T.String()),
  onlyInB: T.Array(T.String()),
  summary: T.Object({ moved: T.Integer(), improved: T.Integer(), worsened: T.Integer(), statusChanges: T.Integer() }),
})
export type SnapshotCompare = Static<typeof SnapshotCompare>
