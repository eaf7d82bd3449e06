import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { collectGitHub } from '../../collectors/github/collect.ts'
import { createGitHubOctokit } from '../../collectors/github/client.ts'
import { FakeGitHubState, seedFakeOrg, startFakeGitHub, type FakeGitHub } from '../fixtures/github-fake/index.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'
import { NOW, rowCounts } from './github-collector-fixture.ts'

/* GitHub Enterprise Server (REST under /api/v3, GraphQL at /api/graphql) with a GitHub App installation. */
forEachBackend('GitHub collector: GitHub Enterprise Server with a GitHub App', (ctx) => {
  let fake: FakeGitHub
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })

  beforeAll(async () => {
    const state = new FakeGitHubState(NOW)
    seedFakeOrg(state, { repos: 2, prsPerRepo: 20, deploymentsPerRepo: 10, runsPerRepo: 20, issuesPerRepo: 10 })
    fake = await startFakeGitHub({ state, prefix: '/api/v3', tokens: [], app: { id: 4242, publicKey, installations: [{ id: 77, org: 'acme' }] } })
  })
  afterAll(async () => {
    await fake.close()
  })

  it('authenticates as the installation and reaches REST under /api/v3 and GraphQL at /api/graphql', async () => {
    expect(fake.url).toMatch(/\/api\/v3$/)
    // The private key as it often arrives through an environment variable: newlines escaped.
    const config = testConfig({ sources: { github: { baseUrl: fake.url, app: { appId: 4242, privateKey: privateKey.replace(/\n/g, '\\n'), installationId: 77 }, repos: ['acme/*'] } } })
    const octokit = createGitHubOctokit(config.sources.github!, { timeScale: 0.001 })
    const report = await collectGitHub(ctx.db.db, config, { octokit, now: () => new Date(NOW) })
    expect(report.errors).toEqual([])
    expect(fake.errors).toEqual([])
    const counts = await rowCounts(ctx.db.db)
    expect(counts.repository).toBe(2)
    expect(counts.pull_request).toBeGreaterThan(40)
    expect(fake.requests.some((r) => r.method === 'POST' && r.route === '/app/installations/{installation_id}/access_tokens')).toBe(true)
    expect(fake.requests.filter((r) => r.route === 'graphql').every((r) => r.auth === 'installation')).toBe(true)
    expect(fake.requests.filter((r) => r.route?.startsWith('/repos/')).every((r) => r.auth === 'installation')).toBe(true)
  })
})
