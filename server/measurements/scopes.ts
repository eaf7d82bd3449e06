import type { Kysely } from 'kysely'
import { canWriteForTeam, allows, type Principal } from '../auth/principal.ts'
import type { AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import { parseScope, ScopeError } from '../metrics/scope.ts'

/** What a scope text resolves to for a writer: its canonical key, or why it cannot be written. */
export type ScopeVerdict = { ok: true; key: string } | { ok: false; forbidden: boolean; message: string }

/**
 * Decides, for the scopes named in one request, whether `principal` may write entered values
 * there (DESIGN §9): an admin any scope; a `team` user only `team:<id>` of its own teams; the
 * organisation, services and repositories need an admin. A team must exist (configured or
 * demo); a repository must be known and is named as stored (`repo:Acme/Api` → `repo:acme/api`
 * when that is how it was collected).
 */
export async function scopeChecker(db: Kysely<Database>, config: AppConfig, principal: Principal, texts: Iterable<string>): Promise<(text: string) => ScopeVerdict> {
  const wanted = [...new Set(texts)]
  const repoNames = wanted.filter((t) => t.startsWith('repo:')).map((t) => t.slice(5).toLowerCase())
  const teamIds = wanted.filter((t) => t.startsWith('team:')).map((t) => t.slice(5))
  const [repos, teams] = await Promise.all([
    repoNames.length === 0 ? [] : db.selectFrom('repository').select('full_name').where((eb) => eb(eb.fn('lower', ['full_name']), 'in', repoNames)).execute(),
    teamIds.length === 0 ? [] : db.selectFrom('team').select('id').where('id', 'in', teamIds).execute(),
  ])
  const repoByLower = new Map(repos.map((r) => [r.full_name.toLowerCase(), r.full_name]))
  const knownTeams = new Set([...config.teams.map((t) => t.id), ...teams.map((t) => t.id)])
  const admin = allows(principal, 'admin')
  const ownTeams = principal.teams.length > 0 ? principal.teams.map((t) => `team:${t}`).join(', ') : 'no team'
  const needsAdmin = (key: string): ScopeVerdict => ({ ok: false, forbidden: true, message: `writing for ${key} needs the admin role; ${principal.name} may write only for ${ownTeams}` })

  return (text) => {
    let parsed: ReturnType<typeof parseScope>
    try {
      parsed = parseScope(text)
    } catch (err) {
      if (err instanceof ScopeError) return { ok: false, forbidden: false, message: err.message }
      throw err
    }
    switch (parsed.kind) {
      case 'team': {
        const id = parsed.id!
        if (!knownTeams.has(id)) return { ok: false, forbidden: false, message: `team "${id}" does not exist` }
        if (!canWriteForTeam(principal, id)) return needsAdmin(text)
        return { ok: true, key: text }
      }
      case 'repo': {
        const name = repoByLower.get(parsed.id!.toLowerCase())
        if (!name) return { ok: false, forbidden: false, message: `repository "${parsed.id}" is not known (not collected yet?)` }
        return admin ? { ok: true, key: `repo:${name}` } : needsAdmin(`repo:${name}`)
      }
      default:
        return admin ? { ok: true, key: text } : needsAdmin(text)
    }
  }
}
