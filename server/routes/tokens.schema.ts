import { type Static, Type as T } from '@sinclair/typebox'

export const TokenScope = T.Union([T.Literal('read'), T.Literal('ingest'), T.Literal('admin')], { description: 'read, ingest or admin' })

export const ApiToken = T.Object({
  id: T.Integer(),
  name: T.String(),
  prefix: T.String({ description: 'the first characters of the token, to recognise it' }),
  scopes: T.Array(T.String()),
  teamId: T.Union([T.String(), T.Null()]),
  createdBy: T.String(),
  createdAt: T.String({ format: 'date-time' }),
  expiresAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
  lastUsedAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
  revokedAt: T.Union([T.String({ format: 'date-time' }), T.Null()]),
})
export type ApiToken = Static<typeof ApiToken>

export const CreateTokenBody = T.Object(
  {
    name: T.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    scopes: T.Array(TokenScope, { minItems: 1, maxItems: 3, uniqueItems: true }),
    teamId: T.Optional(T.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 100 })),
    expiresInDays: T.Optional(T.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
)
export type CreateTokenBody = Static<typeof CreateTokenBody>

export const CreatedToken = T.Object({
  token: T.String({ description: 'shown once: store it now' }),
  apiToken: ApiToken,
})
export const TokenList = T.Object({ tokens: T.Array(ApiToken) })
export const TokenIdParams = T.Object({ id: T.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false })
