import { describe, expect, it } from 'vitest'
import { LOCAL_PRINCIPAL, allows, canWriteForTeam, type Access, type Principal } from '../../server/auth/principal.ts'
import { roleFromClaims } from '../../server/auth/roles.ts'
import { CookieSealer } from '../../server/auth/sealed-cookie.ts'
import { hashApiToken, looksLikeApiToken, newApiToken } from '../../server/auth/api-tokens.ts'
import { FailureLimiter } from '../../server/auth/failure-limiter.ts'

const user = (role: Principal['role'], teams: string[] = []): Principal => ({ kind: 'user', id: `user:${role}`, name: role, role, teams, scopes: ['read'] })
const token = (...scopes: Principal['scopes']): Principal => ({ kind: 'token', id: 'token:1', name: 't', role: 'viewer', teams: [], scopes })

describe('allows', () => {
  const accesses: Access[] = ['public', 'read', 'ingest', 'team', 'admin']
  it.each([
    ['anonymous', null, [true, false, false, false, false]],
    ['viewer', user('viewer'), [true, true, false, false, false]],
    ['team member', user('team', ['payments']), [true, true, false, true, false]],
    ['admin', user('admin'), [true, true, true, true, true]],
    ['local user', LOCAL_PRINCIPAL, [true, true, true, true, true]],
    ['read token', token('read'), [true, true, false, false, false]],
    ['ingest token', token('ingest'), [true, false, true, false, false]],
    ['admin token', token('admin'), [true, true, true, true, true]],
  ] as const)('%s', (_label, p, expected) => {
    expect(accesses.map((a) => allows(p, a))).toEqual(expected)
  })

  it('lets a team member write entered KPIs for its own teams only', () => {
    expect(canWriteForTeam(user('team', ['payments']), 'payments')).toBe(true)
    expect(canWriteForTeam(user('team', ['payments']), 'checkout')).toBe(false)
    expect(canWriteForTeam(user('viewer'), 'payments')).toBe(false)
    expect(canWriteForTeam(user('admin'), 'checkout')).toBe(true)
  })
})

describe('roleFromClaims', () => {
  const oidc = { issuer: 'https://x', clientId: 'm', roles: { admin: ['lead'], viewer: ['eng'], team: { payments: ['pay'], checkout: ['chk'] } } }
  it.each([
    [{ groups: ['eng', 'lead'] }, { role: 'admin', teams: [] }],
    [{ groups: ['chk', 'pay', 'eng'] }, { role: 'team', teams: ['checkout', 'payments'] }],
    [{ groups: 'eng' }, { role: 'viewer', teams: [] }],
    [{ groups: ['sales'] }, null],
    [{}, null],
  ])('%j → %j', (claims, expected) => {
    expect(roleFromClaims(oidc, claims)).toEqual(expected)
  })
  it('makes everyone a viewer without a roles mapping, and reads the configured claim', () => {
    expect(roleFromClaims({ issuer: 'https://x', clientId: 'm' }, {})).toEqual({ role: 'viewer', teams: [] })
    expect(roleFromClaims({ ...oidc, rolesClaim: 'roles' }, { roles: ['lead'], groups: [] })).toEqual({ role: 'admin', teams: [] })
  })
})

describe('CookieSealer', () => {
  it('round-trips a value and rejects tampering or another secret', () => {
    const a = new CookieSealer('secret-a-0123456789-0123456789-0123')
    const sealed = a.seal({ sub: 'alice', n: 1 })
    expect(a.open(sealed)).toEqual({ sub: 'alice', n: 1 })
    expect(new CookieSealer('secret-b-0123456789-0123456789-0123').open(sealed)).toBeNull()
    const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21)
    expect(a.open(flipped)).toBeNull()
    expect(a.open('short')).toBeNull()
    expect(a.open(undefined)).toBeNull()
  })
})

describe('API tokens', () => {
  it('are 256-bit mrd_ tokens stored as their SHA-256', () => {
    const t = newApiToken()
    expect(t.token).toMatch(/^mrd_[A-Za-z0-9_-]{43}$/)
    expect(looksLikeApiToken(t.token)).toBe(true)
    expect(t.hash).toBe(hashApiToken(t.token))
    expect(t.prefix).toBe(t.token.slice(0, 10))
    expect(hashApiToken('mrd_abc')).toBe('2f5fab03e19d91a602595052355c82694ec5d1845cc68a642c31d86049d8009a')
    expect(looksLikeApiToken('ghp_abc')).toBe(false)
  })
})

describe('FailureLimiter', () => {
  it('blocks after max failures in the window and forgets them after it', () => {
    let now = 0
    const l = new FailureLimiter(3, 1_000, () => now)
    for (let i = 0; i < 3; i++) l.record('ip')
    expect(l.blocked('ip')).toBe(true)
    expect(l.blocked('other')).toBe(false)
    now = 1_001
    expect(l.blocked('ip')).toBe(false)
  })
})
