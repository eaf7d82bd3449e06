export type Role = 'viewer' | 'team' | 'admin'
export type TokenScope = 'read' | 'ingest' | 'admin'
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'ingest', 'admin']

/**
 * What a route needs (DESIGN §9), declared on every route as `config: { access }`:
 * - `public`: anyone (health, sign-in, signed webhooks, the dashboard shell);
 * - `read`: any signed-in user, or a token with the read scope;
 * - `ingest`: a token with the ingest scope (or an admin);
 * - `team`: a team member writing its own team's entered KPIs (the handler checks which team), or an admin;
 * - `admin`: an admin, or a token with the admin scope.
 */
export type Access = 'public' | 'read' | 'ingest' | 'team' | 'admin'

/** Who is making a request. */
export interface Principal {
  kind: 'local' | 'user' | 'token'
  /** Stable id used in the audit log: `local`, `user:<sub>`, `token:<id>`. */
  id: string
  name: string
  role: Role
  /** Teams a `team` user may write for. */
  teams: string[]
  /** Token scopes; users and the local user have every scope their role allows. */
  scopes: TokenScope[]
  /** Set for cookie sessions: writes must echo it in x-csrf-token. */
  csrf?: string
}

export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  kind: 'local',
  id: 'local',
  name: 'Local user',
  role: 'admin',
  teams: [],
  scopes: [...TOKEN_SCOPES],
}) as Principal

/** Whether `p` may use a route that needs `access` (team membership is checked by the handler). */
export function allows(p: Principal | null, access: Access): boolean {
  if (access === 'public') return true
  if (!p) return false
  if (p.kind === 'token') {
    if (p.scopes.includes('admin')) return true
    if (access === 'read') return p.scopes.includes('read')
    if (access === 'ingest') return p.scopes.includes('ingest')
    return false
  }
  switch (access) {
    case 'read':
      return true
    case 'ingest':
    case 'admin':
      return p.role === 'admin'
    case 'team':
      return p.role === 'admin' || p.role === 'team'
  }
}

/** Whether `p` may write entered KPIs for `teamId`. */
export function canWriteForTeam(p: Principal, teamId: string): boolean {
  return allows(p, 'admin') || (p.role === 'team' && p.teams.includes(teamId))
}

/** How a principal is named in the audit log. */
export function auditActor(p: Principal | null): string {
  if (!p) return 'anonymous'
  return p.kind === 'local' ? 'local' : `${p.id} (${p.name})`
}
