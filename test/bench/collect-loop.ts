/**
 * A collect that keeps running: starts the fake GitHub (6 repositories) and runs collectGitHub
 * back to back into DATABASE_URL until SIGTERM (each published with its KPI values precomputed,
 * as `meridian collect` does), then prints how many collects finished.
 * Started by kpis-api.bench.ts as a separate process, as `meridian collect` runs beside `serve`.
 */
import { collectGitHub } from '../../collectors/github/collect.ts'
import { createGitHubOctokit } from '../../collectors/github/client.ts'
import { connectPostgres } from '../../server/db/connect.ts'
import { collectAndPublish } from '../../server/kpis/publish-values.ts'
import { FakeGitHubState, seedFakeOrg, startFakeGitHub } from '../fixtures/github-fake/index.ts'
import { benchCollectConfig } from './collect-config.ts'

const NOW = new Date(process.env.BENCH_CLOCK ?? '2026-11-22T12:00:00Z')
const state = new FakeGitHubState(NOW.toISOString())
seedFakeOrg(state, { org: 'acme', repos: 6, prsPerRepo: 150, deploymentsPerRepo: 100, runsPerRepo: 150, issuesPerRepo: 40, alertsPerRepo: 8 })
const fake = await startFakeGitHub({ state })
const config = benchCollectConfig(fake.url)
const db = connectPostgres(process.env.DATABASE_URL!, { max: 4 })
let running = true
let collects = 0
let precomputed = 0
process.on('SIGTERM', () => {
  running = false
})
while (running) {
  // As `meridian collect` does: one publish at the end, with the values the server was asked for precomputed.
  const { publish } = await collectAndPublish(
    db.db,
    config,
    () => collectGitHub(db.db, config, { octokit: createGitHubOctokit(config.sources.github!, { timeScale: 0.001 }), now: () => NOW, timeScale: 0.001 }),
    { clock: () => NOW },
  )
  collects++
  precomputed += publish.precomputed
}
await db.close()
await fake.close()
process.stdout.write(`${JSON.stringify({ collects, precomputed })}\n`)
