import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { LeaseKeeper, acquireLease } from '../../collectors/shared/lease-lock.ts'
import { FakeGitHubState, seedFakeOrg } from '../fixtures/github-fake/index.ts'
import { forEachBackend } from '../support/databases.ts'
import { NOW, emptyDatabase, startHarness, tableContents, type GitHubHarness } from './github-collector-fixture.ts'

/*
 * Robustness against a seeded organisation: whatever goes wrong on the way (faults, a crash
 * between pages, a second collector, a repository the token cannot read), the tables end up
 * exactly as after one clean collect.
 */

forEachBackend('GitHub collector: faults, crashes and concurrency', (ctx) => {
  let h: GitHubHarness
  let clean: Awaited<ReturnType<typeof tableContents>>
  /** Progress events a clean collect emits (pages stored and datasets finished). */
  let events = 0
  const db = () => ctx.db.db

  beforeAll(async () => {
    const state = new FakeGitHubState(NOW)
    seedFakeOrg(state, { repos: 3, prsPerRepo: 70, seed: 3 })
    h = await startHarness({ state })
    await h.collect(db(), { onProgress: () => void events++ })
    clean = await tableContents(db())
    expect(clean.pull_request!.length).toBeGreaterThan(200)
    expect(clean.deployment_change!.length).toBeGreaterThan(0)
  })
  afterAll(async () => {
    await h.close()
  })
  beforeEach(async () => {
    await emptyDatabase(db())
    h.fake.faults.clear()
    h.fake.resetCounters()
  })

  it('ends with the same rows when 5 percent of requests fail: 502, 500, 429, secondary limits, resets, truncated bodies', async () => {
    const injected: string[] = []
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      await emptyDatabase(db())
      h.fake.resetCounters()
      h.fake.faults.set({ rate: 0.05, kinds: ['502', '500', '429', 'secondary403', 'reset', 'truncated'], seed })
      const report = await h.collect(db())
      injected.push(...h.fake.requests.flatMap((r) => (r.fault ? [r.fault] : [])))
      expect(report.errors).toEqual([])
      expect(await tableContents(db())).toEqual(clean)
    }
    expect(injected.length).toBeGreaterThanOrEqual(6)
    expect(new Set(injected).size).toBeGreaterThanOrEqual(4)
  })

  it('ends with the same rows when a fifth of requests fail', async () => {
    h.fake.faults.set({ rate: 0.2, kinds: ['502', '500', '503', '429', 'secondary403', 'reset', 'truncated'], seed: 5 })
    const report = await h.collect(db())
    const kinds = new Set(h.fake.requests.map((r) => r.fault).filter(Boolean))
    expect(kinds.size).toBeGreaterThanOrEqual(3)
    expect(report.errors).toEqual([])
    expect(await tableContents(db())).toEqual(clean)
  })

  it('waits out a primary rate limit (REST 403 and GraphQL RATE_LIMITED), secondary limits and 429s with retry-after', async () => {
    h.fake.faults.failNext(1, 'primary403', '/actions/runs')
    h.fake.faults.failNext(1, 'primary403', (r) => !!r.graphql && r.graphql.operationName === 'PullRequests')
    h.fake.faults.failNext(2, 'secondary403', '/dependabot/alerts')
    h.fake.faults.failNext(2, '429', '/code-scanning/default-setup')
    h.fake.faults.failNext(1, '429', (r) => !!r.graphql && r.graphql.operationName === 'Commits')
    const report = await h.collect(db())
    expect(h.fake.faults.pending).toBe(0)
    expect(h.fake.requests.filter((r) => r.fault).map((r) => r.fault).sort()).toEqual(['429', '429', '429', 'primary403', 'primary403', 'secondary403', 'secondary403'])
    expect(report.errors).toEqual([])
    expect(await tableContents(db())).toEqual(clean)
  })

  it('halves the GraphQL page size after a 502 on a big page and still reads everything', async () => {
    // Any query asking for more nodes than this times out (GitHub's 502): a page of 50 PRs does, 12 do not.
    h.fake.faults.set({ graphqlMaxNodes: 1_200 })
    const report = await h.collect(db())
    expect(report.errors).toEqual([])
    const graphql = h.fake.requests.filter((r) => r.route === 'graphql')
    expect(graphql.filter((r) => r.status === 502).length).toBeGreaterThan(0)
    expect(await tableContents(db())).toEqual(clean)
  })

  it.each([0.02, 0.2, 0.5, 0.8, 0.97])('resumes after a crash between pages (at %f of the way) and ends with the rows of a clean collect', async (share) => {
    let seen = 0
    const crash = new Error('killed')
    const at = Math.max(1, Math.round(events * share))
    await expect(
      h.collect(db(), {
        onProgress: () => {
          if (++seen === at) throw crash
        },
      }),
    ).rejects.toBe(crash)
    const partial = await tableContents(db())
    expect(partial).not.toEqual(clean)
    const report = await h.collect(db())
    expect(report.errors).toEqual([])
    expect(await tableContents(db())).toEqual(clean)
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from sync_state where cursor::text like '%"resume"%'`.execute(db())
    expect(rows[0]!.n).toBe(0)
  })

  it('walks again from the top when GitHub no longer accepts a saved resume cursor', async () => {
    const killAfterFirstPrPage = (e: { resource: string; rows: number }) => {
      if (e.resource === 'pull_requests' && e.rows > 0) throw new Error('killed')
    }
    await expect(h.collect(db(), { onProgress: killAfterFirstPrPage })).rejects.toThrow('killed')
    const bogus = Buffer.from('expired').toString('base64')
    const { numAffectedRows } = await sql`
      update sync_state set cursor = jsonb_set(cursor, '{resume,walks,0,after}', ${JSON.stringify(bogus)}::jsonb)
      where cursor -> 'resume' -> 'walks' -> 0 ->> 'after' is not null`.execute(db())
    expect(Number(numAffectedRows)).toBeGreaterThan(0)
    const report = await h.collect(db())
    expect(report.errors).toEqual([])
    expect(await tableContents(db())).toEqual(clean)
  })

  it('reports a repository it cannot read and collects the others; the error stays in sync_state', async () => {
    const config = { ...h.config, sources: { github: { ...h.config.sources.github!, repos: ['acme/payments-api', 'acme/missing', 'acme/payments-web', 'acme/checkout'] } } }
    // checkout's REST endpoints fail for good; its GraphQL datasets still arrive.
    h.fake.faults.failNext(1_000, '500', (r) => r.path.startsWith('/repos/acme/checkout/'))
    const { collectGitHub } = await import('../../collectors/github/collect.ts')
    const report = await collectGitHub(db(), config, { octokit: h.octokit(), now: () => new Date(NOW), timeScale: 0.001 })
    expect(report.errors).toEqual(
      expect.arrayContaining([
        { scope: 'acme/missing', message: expect.stringMatching(/not found/) },
        { scope: 'acme/checkout:workflow_runs', message: expect.stringMatching(/^HTTP 500/) },
        { scope: 'acme/checkout:repository_flags', message: expect.stringMatching(/^HTTP 500/) },
      ]),
    )
    expect(report.errors.filter((e) => !e.scope.startsWith('acme/missing') && !e.scope.startsWith('acme/checkout:'))).toEqual([])
    const states = await db().selectFrom('sync_state').select(['scope', 'last_error']).where('last_error', 'is not', null).orderBy('scope').execute()
    expect(states.map((s) => s.scope)).toEqual(['acme/checkout:repository_flags', 'acme/checkout:workflow_runs', 'acme/missing'])
    const full = await tableContents(db())
    for (const table of ['pull_request', 'deployment', 'issue', 'incident', 'commit'] as const) expect(full[table]).toEqual(clean[table])
    expect(full.workflow_run).toEqual(clean.workflow_run!.filter((r) => (r as { repo_id: string }).repo_id !== 'acme/checkout'))
  })

  it('never lets two collects work the same repository: the second says what it skipped, and together they store the clean rows', async () => {
    const [a, b] = await Promise.all([h.collect(db(), { holder: 'collector-a' }), h.collect(db(), { holder: 'collector-b' })])
    const aRepos = a.repos.map((r) => r.repo)
    const bRepos = b.repos.map((r) => r.repo)
    expect(aRepos.filter((r) => bRepos.includes(r))).toEqual([])
    expect([...aRepos, ...bRepos].sort()).toEqual(['acme/checkout', 'acme/payments-api', 'acme/payments-web'])
    for (const repo of bRepos) expect(a.skipped).toContainEqual({ scope: repo, reason: expect.stringMatching(/^being collected by collector-b/) })
    for (const repo of aRepos) expect(b.skipped).toContainEqual({ scope: repo, reason: expect.stringMatching(/^being collected by collector-a/) })
    expect(await tableContents(db())).toEqual(clean)
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from sync_lock`.execute(db())
    expect(rows[0]!.n).toBe(0)
  })

  it('takes over an expired lease and skips one another holder renews', async () => {
    await acquireLease(db(), { source: 'github', scope: 'acme/checkout', holder: 'crashed', ttlSeconds: -60 })
    await acquireLease(db(), { source: 'github', scope: 'acme/payments-web', holder: 'busy', ttlSeconds: 600 })
    const report = await h.collect(db(), { holder: 'me' })
    expect(report.repos.map((r) => r.repo)).toEqual(['acme/checkout', 'acme/payments-api'])
    expect(report.skipped).toContainEqual({ scope: 'acme/payments-web', reason: expect.stringMatching(/^being collected by busy \(lease until /) })
    const locks = await sql<{ holder: string }>`select holder from sync_lock`.execute(db())
    expect(locks.rows).toEqual([{ holder: 'busy' }])
  })

  it('notices when a lease it held was taken over, and releases only its own', async () => {
    const keeper = new LeaseKeeper(db(), 'github', 'me', 60)
    expect(await keeper.acquire('acme/a')).toBeNull()
    expect(await keeper.acquire('acme/b')).toBeNull()
    expect(await keeper.acquire('acme/b')).toBeNull()
    await sql`update sync_lock set holder = 'thief' where scope = 'acme/a'`.execute(db())
    await keeper.renew()
    expect(keeper.isLost('acme/a')).toBe(true)
    expect(keeper.isLost('acme/b')).toBe(false)
    await keeper.releaseAll()
    const { rows } = await sql<{ scope: string; holder: string }>`select scope, holder from sync_lock order by scope`.execute(db())
    expect(rows).toEqual([{ scope: 'acme/a', holder: 'thief' }])
  })
})
