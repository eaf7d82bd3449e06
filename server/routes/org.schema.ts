import { type Static, Type as T } from '@sinclair/typebox'

export const ErrorResponse = T.Object(
  {
    error: T.Object({
      code: T.String({ description: 'stable machine-readable code, e.g. invalid_request' }),
      message: T.String(),
      details: T.Optional(T.Unknown()),
      requestId: T.Optional(T.String()),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error the API returns has this shape.' },
)
export type ErrorResponse = Static<typeof ErrorResponse>

export const DemoInfo = T.Object({
  seed: T.Integer(),
  scale: T.String(),
  loadedAt: T.String({ format: 'date-time' }),
})

export const OrgResponse = T.Object({
  organisation: T.String(),
  timezone: T.String(),
  database: T.Union([T.Literal('pglite'), T.Literal('postgres')]),
  /** Set when the demo organisation is loaded: the UI shows a banner. */
  demo: T.Union([DemoInfo, T.Null()]),
  /** Sources with credentials configured. */
  sources: T.Array(T.String()),
  auth: T.Object({ mode: T.Union([T.Literal('open-local'), T.Literal('oidc')]) }),
  version: T.String(),
})
export type OrgResponse = Static<typeof OrgResponse>

export const Team = T.Object({
  id: T.String(),
  name: T.String(),
  repos: T.Array(T.String(), { description: 'owner/name or owner/* patterns the team owns' }),
  services: T.Array(T.String()),
  source: T.String({ description: 'config or demo' }),
})
export const TeamsResponse = T.Object({ teams: T.Array(Team) })
export type Team = Static<typeof Team>
export type TeamsResponse = Static<typeof TeamsResponse>

export const SyncEntry = T.Object({
  source: T.String(),
  scope: T.String(),
  status: T.Union([T.Literal('fresh'), T.Literal('stale'), T.Literal('error'), T.Literal('running'), T.Literal('never')]),
  lastStartedAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
  lastSuccessAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
  lastError: T.Union([T.String(), T.Null()]),
  lastErrorAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
  rowsWritten: T.Integer(),
  requestCount: T.Integer(),
})
export const SyncResponse = T.Object({
  /** One entry per source and scope; `rows` counts what each table holds. */
  entries: T.Array(SyncEntry),
  rows: T.Record(T.String(), T.Integer()),
})
export type SyncEntry = Static<typeof SyncEntry>
export type SyncResponse = Static<typeof SyncResponse>
