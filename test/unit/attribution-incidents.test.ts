import { describe, expect, it } from 'vitest'
import { Catalog, repoPatternMatches, serviceOfRepo } from '../../collectors/attribution/catalog.ts'
import { attributeIncident, explicitCauses, inScope, latestInWindow, scopeOf, type AttrIncident, type IncidentLookups } from '../../collectors/attribution/incident-links.ts'
import { byFinish, type AttrDeployment } from '../../collectors/attribution/types.ts'

const START = Date.parse('2026-05-10T12:00:00Z')
const H = 3_600_000

// acme/api (id 1) → service api; acme/web (2) → storefront (mapped); other/tool (3) → tool.
// Team payments owns acme/* and the service billing; team tools owns other/tool.
const catalog = new Catalog({
  repositories: [
    { id: 1, full_name: 'acme/api', name: 'api', default_branch: 'main' },
    { id: 2, full_name: 'acme/web', name: 'web', default_branch: 'main' },
    { id: 3, full_name: 'other/tool', name: 'tool', default_branch: 'main' },
  ],
  teamRepos: [
    { team_id: 'payments', pattern: 'acme/*' },
    { team_id: 'tools', pattern: 'other/tool' },
  ],
  teamServices: [{ team_id: 'payments', service: 'billing' }],
  serviceMap: { 'Acme/Web': 'storefront' },
})

/** Deployments as `id:service:hoursBeforeStart` (repository from the service). */
function deployments(...spec: string[]): AttrDeployment[] {
  const repoOf: Record<string, number | null> = { api: 1, storefront: 2, tool: 3, billing: null }
  return spec
    .map((s) => {
      const [id, service, before] = s.split(':')
      return { id: Number(id), service: service!, repoId: repoOf[service!] ?? null, sha: null, finishedAt: START - Number(before) * H, externalId: `deploy-${id}` }
    })
    .sort(byFinish)
}

function incident(fields: Partial<AttrIncident> = {}): AttrIncident {
  return { id: 1, service: 'api', teamId: null, repoId: null, startedAt: START, causedByDeployment: null, causedBySha: null, causedByPr: null, ...fields }
}

function lookups(deps: AttrDeployment[], explicit: Partial<IncidentLookups> = {}): IncidentLookups {
  return {
    deploymentByExternalId: (ext) => deps.find((d) => d.externalId === ext)?.id ?? null,
    firstContaining: () => null,
    shippedBy: () => null,
    scopeDeployments: (i) => deps.filter((d) => inScope(scopeOf(catalog, i), d)),
    ...explicit,
  }
}

describe('catalog', () => {
  it.each([
    ['acme/*', 'acme/api', true],
    ['ACME/*', 'acme/api', true],
    ['acme/*', 'acme-labs/api', false],
    ['acme/api', 'Acme/API', true],
    ['acme/api', 'acme/api-v2', false],
  ])('pattern %s covers %s: %s', (pattern, name, expected) => {
    expect(repoPatternMatches(pattern, name)).toBe(expected)
  })

  it.each([
    ['acme/api', {}, 'api'],
    ['acme/web', { 'acme/web': 'storefront' }, 'storefront'],
    ['acme/web', { 'ACME/WEB': 'storefront' }, 'storefront'],
  ])('the service of %s with map %j is %s', (repo, map, service) => {
    expect(serviceOfRepo(repo, map)).toBe(service)
  })

  it('a team owns its repositories, their services and its listed services', () => {
    expect([...catalog.reposOfTeam('payments')].sort()).toEqual([1, 2])
    expect([...catalog.servicesOfTeam('payments')].sort()).toEqual(['api', 'billing', 'storefront'])
    expect(catalog.teamsOfRepo(3)).toEqual(['tools'])
  })
})

describe('latestInWindow', () => {
  it.each([
    ['inside the window', ['1:api:2'], 1],
    ['outside the window (25 h before)', ['1:api:25'], null],
    ['exactly at the window’s start (24 h before)', ['1:api:24'], 1],
    ['finishing exactly when the incident starts', ['1:api:0'], 1],
    ['finishing after the incident started', ['1:api:-0.5'], null],
    ['two in the window → the latest', ['1:api:20', '2:api:3', '3:api:-1'], 2],
    ['equal finish times → the higher id', ['4:api:3', '2:api:3'], 4],
  ])('%s', (_label, spec, expected) => {
    expect(latestInWindow(deployments(...spec), START, 24 * H)).toBe(expected)
  })
})

describe('attributeIncident', () => {
  const deps = deployments('1:api:30', '2:api:5', '3:storefront:2', '4:tool:1', '5:billing:4', '6:api:-2')
  it.each([
    ['window: the latest deployment of its service within 24 h', incident(), { deploymentId: 2, method: 'window' }],
    ['window: another service’s deployment does not count', incident({ service: 'tool' }), { deploymentId: 4, method: 'window' }],
    ['no service: its team’s services and repositories (latest: storefront, 2 h)', incident({ service: null, teamId: 'payments' }), { deploymentId: 3, method: 'window' }],
    ['no service, no team_id: the teams owning its repository', incident({ service: null, repoId: 3 }), { deploymentId: 4, method: 'window' }],
    ['a service with nothing in the window', incident({ service: 'billing', startedAt: START + 30 * H }), null],
    ['no service, team or repository: nothing', incident({ service: null }), null],
    ['explicit deployment beats the window', incident({ causedByDeployment: 'deploy-1' }), { deploymentId: 1, method: 'explicit' }],
    ['an explicit deployment that is unknown falls back to the window', incident({ causedByDeployment: 'deploy-99' }), { deploymentId: 2, method: 'window' }],
  ] as const)('%s', (_label, i, expected) => {
    expect(attributeIncident(i, lookups(deps), 24)).toEqual(expected)
  })

  it('tries the deployment, then the commit, then the PR', () => {
    const calls: string[] = []
    const l = lookups(deps, {
      deploymentByExternalId: () => (calls.push('deployment'), null),
      firstContaining: () => (calls.push('sha'), null),
      shippedBy: () => (calls.push('pr'), 1),
    })
    expect(attributeIncident(incident({ causedByDeployment: 'x', causedBySha: 'abcdef0', causedByPr: { repo: null, number: 3, closing: false } }), l, 24)).toEqual({
      deploymentId: 1,
      method: 'explicit',
    })
    expect(calls).toEqual(['deployment', 'sha', 'pr'])
  })

  it('follows the configured window', () => {
    expect(attributeIncident(incident(), lookups(deps), 4)).toEqual(null)
    expect(attributeIncident(incident(), lookups(deps), 5)).toEqual({ deploymentId: 2, method: 'window' })
  })
})

describe('explicitCauses', () => {
  const none = { caused_by_deployment: null, caused_by_sha: null, caused_by_pr: null }
  it.each([
    ['root cause in the issue body', none, 'Impact: customers.\n\nroot cause: ABCDEF1', { causedByDeployment: null, causedBySha: 'abcdef1', causedByPr: null }],
    ['caused by #N in the issue body', none, 'caused by #12', { causedByDeployment: null, causedBySha: null, causedByPr: { repo: null, number: 12, closing: false } }],
    ['columns win over the body', { caused_by_deployment: ' dep-1 ', caused_by_sha: '1234567', caused_by_pr: 4 }, 'root cause: abcdef1\ncaused by #12', {
      causedByDeployment: 'dep-1',
      causedBySha: '1234567',
      causedByPr: { repo: null, number: 4, closing: false },
    }],
    ['nothing', none, null, { causedByDeployment: null, causedBySha: null, causedByPr: null }],
  ] as const)('%s', (_label, columns, body, expected) => {
    expect(explicitCauses(columns, body)).toEqual(expected)
  })
})
