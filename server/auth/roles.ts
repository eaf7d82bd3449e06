import type { AppConfig } from '../config/app-config.ts'
import type { Role } from './principal.ts'

type Oidc = NonNullable<NonNullable<AppConfig['auth']>['oidc']>

function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  const v = claims[claim]
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string')
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean)
  return []
}

/**
 * The role a signed-in user gets from the configured claim (default `groups`): admin groups →
 * admin; team groups → team (with those teams); viewer groups → viewer. Without a `roles` mapping
 * every user who can sign in is a viewer. null: the user may not use Meridian.
 */
export function roleFromClaims(oidc: Oidc, claims: Record<string, unknown>): { role: Role; teams: string[] } | null {
  if (!oidc.roles) return { role: 'viewer', teams: [] }
  const groups = new Set(groupsOf(claims, oidc.rolesClaim ?? 'groups'))
  const has = (list: readonly string[] | undefined) => (list ?? []).some((g) => groups.has(g))
  if (has(oidc.roles.admin)) return { role: 'admin', teams: [] }
  const teams = Object.entries(oidc.roles.team ?? {})
    .filter(([, list]) => has(list))
    .map(([team]) => team)
    .sort()
  if (teams.length > 0) return { role: 'team', teams }
  if (has(oidc.roles.viewer)) return { role: 'viewer', teams: [] }
  return null
}
