import { type Static, Type as T } from '@sinclair/typebox'

export const HealthResponse = T.Object({ status: T.Literal('ok') })
export const ReadyResponse = T.Object({
  status: T.Union([T.Literal('ready'), T.Literal('unavailable')]),
  database: T.Object({ kind: T.String(), reachable: T.Boolean(), error: T.Optional(T.String()) }),
  migrations: T.Object({ current: T.Boolean(), pending: T.Array(T.String()) }),
})
export type ReadyResponse = Static<typeof ReadyResponse>
