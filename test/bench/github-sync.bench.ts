import { isDeepStrictEqual } from 'node:util'
import type { Kysely } from 'kysely'
import { collectGitHub, formatCollectSummary, type CollectReport } from '../../collectors/github/collect.ts'
import { createGitHubOctokit } from '../../collectors/github/client.ts'
import { connectPGlite } from '../../server/db/connect.ts'
import { migrateToLatest } from '../../server/db/migrate.ts'
import type { Database } from '../../server/db/schema.ts'
import { FakeGitHubState, seedFakeOrg, startFakeGitHub, type FakeGitHub } from '../fixtures/github-fake/index.ts'
import { emptyDatabase, tableContents } from '../integration/github-collector-fixture.ts'
import { testConfig } from '../support/config.ts'
import type { Benchmark } from './benchmark.ts'

const NOW = '2026-11-22T12:00:00Z'

/** The organisations measured: merged PRs per repository and the rest at a matching scale (the last repository is archived). */
const SCALES = {
  default: { repos: 6, prsPerRepo: 200, deploymentsPerRepo: 150, runsPerRepo: 300, issuesPerRepo: 60, alertsPerRepo: 12 },
  large: { repos: 11, prsPerRepo: 500, deploymentsPerRepo: 400, runsPerRepo: 800, issuesPerRepo: 150, alertsPerRepo: 25 },
}

const prRequests = (fake: FakeGitHub) => fake.requests.filter((r) => r.route === 'graphql' && r.operationName?.includes('PullRequests')).length

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t) / 1000 }
}

const benchmark: Benchmark = {
  name: 'github-sync',
  method:
    'collectGitHub against the fake GitHub (test/fixtures/github-fake, seedFakeOrg with the scale below, 12 months of history) into in-memory PGlite; ' +
    'a first full sync, a re-sync with nothing changed in the same process and one with a new client (ETags from the database), and a first sync with 5 % of requests failing. ' +
    'Requests are HTTP requests the fake received (retries and 304s included); "PR data" counts GraphQL requests carrying pull-request pages. ' +
    'Retry and rate-limit waits and the 1 s GraphQL spacing are scaled by 0.001, so wall times exclude GitHub pacing; attribution runs inside each collect.',
  async run({ large }) {
    const scale = large ? SCALES.large : SCALES.default
    const state = new FakeGitHubState(NOW)
    const seeded = seedFakeOrg(state, scale)
    const active = seeded.repos.filter((r) => !r.repo.archived)
    const merged = active.reduce((n, r) => n + r.mergedPulls.length, 0)
    const fake = await startFakeGitHub({ state })
    const handle = await connectPGlite(null)
    const db = handle.db as Kysely<Database>
    await migrateToLatest(db)
    const config = testConfig({ sources: { github: { baseUrl: fake.url, token: 'ghp_fake_token', repos: ['acme/*'], adoption: { topic: 'paved-road' } } } })
    const collect = (octokit = createGitHubOctokit(config.sources.github!, { timeScale: 0.001 })) =>
      collectGitHub(db, config, { octokit, now: () => new Date(NOW), timeScale: 0.001 })
    const lines: string[] = []
    const note = (label: string, r: CollectReport) => lines.push(`${label}: ${formatCollectSummary(r)}`)
    try {
      const first = await timed(() => collect())
      note('first sync', first.value)
      const firstRequests = fake.requests.length
      const firstPr = prRequests(fake)
      const rows = await tableContents(db)

      fake.resetCounters()
      const client = createGitHubOctokit(config.sources.github!, { timeScale: 0.001 })
      const resync = await timed(() => collect(client))
      note('re-sync', resync.value)
      const resyncRequests = fake.requests.length

      fake.resetCounters()
      const fresh = await timed(() => collect())
      note('re-sync, new process', fresh.value)
      const freshRequests = fake.requests.length
      const fresh304 = fake.requests.filter((r) => r.notModified).length

      await emptyDatabase(db)
      fake.resetCounters()
      fake.faults.set({ rate: 0.05, kinds: ['502', '500', '429', 'secondary403', 'reset', 'truncated'], seed: 1 })
      const faulty = await timed(() => collect())
      note('first sync, 5 % faults', faulty.value)
      const faultyRequests = fake.requests.length
      const injected = fake.requests.filter((r) => r.fault).length
      const same = isDeepStrictEqual(await tableContents(db), rows)
      fake.faults.clear()

      const per1000 = (n: number) => (n / merged) * 1000
      return {
        metrics: {
          repositories: active.length,
          'merged PRs': merged,
          'rows stored (all tables)': Object.values(rows).reduce((n, t) => n + t.length, 0),
          'first sync: requests': firstRequests,
          'first sync: PR-data requests per 1,000 merged PRs': per1000(firstPr),
          'first sync: requests per 1,000 merged PRs (everything)': per1000(firstRequests),
          'first sync: wall time (s)': first.seconds,
          're-sync, nothing changed: requests per repository': resyncRequests / active.length,
          're-sync, nothing changed: wall time (s)': resync.seconds,
          're-sync in a new process: requests per repository': freshRequests / active.length,
          're-sync in a new process: 304 answers': fresh304,
          '5 % faults: requests (faults injected)': `${faultyRequests} (${injected})`,
          '5 % faults: same rows as without faults': same ? 'yes' : 'NO',
          '5 % faults: wall time (s)': faulty.seconds,
          'rate limit left after the first sync': first.value.rateLimitRemaining ?? 'unknown',
        },
        notes: lines.join('; '),
      }
    } finally {
      await handle.close()
      await fake.close()
    }
  },
}

export default benchmark
