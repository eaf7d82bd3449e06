import { type Static, Type as T } from '@sinclair/typebox'

/** Who is calling (GET /api/me). */
export const Me = T.Object({
  mode: T.Union([T.Literal('open-local'), T.Literal('oidc')]),
  signedIn: T.Boolean(),
  user: T.Union([
    T.Object({ id: T.String(), name: T.String(), role: T.String(), teams: T.Array(T.String()), kind: T.String() }),
    T.Null(),
  ]),
  /** Echo in x-csrf-token on writes made with the session cookie. */
  csrfToken: T.Union([T.String(), T.Null()]),
  loginUrl: T.Union([T.String(), T.Null()]),
})
export type Me = Static<typeof Me>
