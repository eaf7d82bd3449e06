import type { AddressInfo } from 'node:net'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { loadDemo } from '../../collectors/demo/load-demo.ts'
import { buildApp } from '../../server/app.ts'
import type { Db } from '../../server/db/connect.ts'
import { bumpDataVersion } from '../../server/repositories/data-version.repository.ts'
import { collectAndPublish } from '../../server/kpis/publish-values.ts'
import { benchCollectConfig } from './collect-config.ts'
import { createTestDatabase, type Backend } from '../support/databases.ts'
import type { Benchmark } from './benchmark.ts'

/** The demo's history ends here; the server's clock is a week later (the current month is partial). */
const DEMO_NOW = new Date('2026-11-15T00:00:00Z')
const CLOCK = new Date('2026-11-22T12:00:00Z')
const OVERVIEW = '/api/kpis?period=month'
const WARM_REQUESTS = 40
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60)
const RUN_TS = fileURLToPath(new URL('../../server/bin/run-ts.mjs', import.meta.url))
const COLLECT_LOOP = fileURLToPath(new URL('./collect-loop.ts', import.meta.url))
const AUTOCANNON = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url))

const ms = (t: number) => Math.round(t * 10) / 10
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}

async function timedGet(base: string, path: string): Promise<number> {
  const t = performance.now()
  const res = await fetch(base + path)
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`)
  return performance.now() - t
}

/** Cold (first request, empty cache) and warm (p50/p95 of the next requests) latency of one URL over real HTTP. */
async function latency(base: string, path: string, warm = WARM_REQUESTS) {
  const cold = await timedGet(base, path)
  const times: number[] = []
  for (let i = 0; i < warm; i++) times.push(await timedGet(base, path))
  return { cold, p50: percentile(times, 50), p95: percentile(times, 95) }
}

async function serve(db: Db, config = benchCollectConfig()): Promise<{ app: FastifyInstance; base: string }> {
  const app = await buildApp({ config, db, clock: () => CLOCK, logger: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

async function measureLatency(backend: Backend, scale: 'small' | 'large', metrics: Record<string, number | string>) {
  const db = await createTestDatabase(backend)
  try {
    const loaded = await loadDemo(db.db, { seed: 42, scale, now: DEMO_NOW })
    const { app, base } = await serve(db)
    try {
      const label = `${scale} demo on ${backend}`
      metrics[`${label}: rows`] = loaded.rows
      const org = await latency(base, OVERVIEW)
      metrics[`${label}: org overview cold ms`] = ms(org.cold)
      metrics[`${label}: org overview warm p50 ms`] = ms(org.p50)
      metrics[`${label}: org overview warm p95 ms`] = ms(org.p95)
      const teams = (await db.db.selectFrom('team').select('id').orderBy('id').execute()).map((t) => t.id)
      const perTeam = []
      for (const team of teams) perTeam.push({ team, ...(await latency(base, `${OVERVIEW}&scope=team:${team}`, 20)) })
      const worst = perTeam.reduce((a, b) => (b.p95 > a.p95 ? b : a))
      metrics[`${label}: teams`] = teams.length
      metrics[`${label}: team overview cold ms (slowest team)`] = ms(Math.max(...perTeam.map((t) => t.cold)))
      metrics[`${label}: team overview warm p95 ms (slowest team, ${worst.team})`] = ms(worst.p95)
      // A write outside a collect (webhook, ingest): the next request recomputes on demand.
      await bumpDataVersion(db.db)
      metrics[`${label}: org overview right after a webhook-style write ms`] = ms(await timedGet(base, OVERVIEW))
      // A collect finishing: it precomputes what was asked for lately and publishes it with the version.
      await app.kpis.flushTouches()
      const t = performance.now()
      const { publish } = await collectAndPublish(db.db, benchCollectConfig(), () => bumpDataVersion(db.db), { clock: () => CLOCK })
      metrics[`${label}: publish after a collect: precompute + publish ms`] = ms(performance.now() - t)
      metrics[`${label}: publish after a collect: values precomputed`] = publish.precomputed
      metrics[`${label}: org overview right after a collect finishes ms`] = ms(await timedGet(base, OVERVIEW))
      await underLoad(db, base, label, metrics)
    } finally {
      await app.close()
    }
  } finally {
    await db.drop()
  }
}

/** Runs a script to completion in another process and returns its stdout. */
function child(args: string[], env: Record<string, string>, stop?: Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString()))
    p.on('error', reject)
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited with ${code}`))))
    void stop?.then(() => p.kill('SIGTERM'))
  })
}

/**
 * autocannon (its own process) on the organisation overview for LOAD_SECONDS while a GitHub
 * collect (another process, as `meridian collect` runs beside `serve`) writes to the same database.
 */
async function underLoad(db: Db & { url: string }, base: string, label: string, metrics: Record<string, number | string>) {
  if (db.kind !== 'postgres') return
  await timedGet(base, OVERVIEW)
  let stopCollect!: () => void
  const stopped = new Promise<void>((r) => (stopCollect = r))
  const collector = child([RUN_TS, COLLECT_LOOP], { DATABASE_URL: db.url, BENCH_CLOCK: CLOCK.toISOString() }, stopped)
  const cannon = await child([AUTOCANNON, '--json', '--connections', '10', '--duration', String(LOAD_SECONDS), base + OVERVIEW], {})
  stopCollect()
  const { collects, precomputed } = JSON.parse((await collector).trim().split('\n').pop()!) as { collects: number; precomputed: number }
  // Never stale: what the server answers now equals a computation from scratch on the final data.
  // (A second server with empty caches, the precomputed values deleted, computes it from the rows.)
  const served = await (await fetch(base + OVERVIEW)).text()
  await db.db.deleteFrom('kpi_value_cache').execute()
  const second = await serve(db)
  const fresh = await (await fetch(second.base + OVERVIEW)).text()
  await second.app.close()
  metrics[`${label}: load: answer after the last collect equals a fresh computation`] = served === fresh ? 'yes' : 'NO'
  const result = JSON.parse(cannon) as { requests: { average: number }; latency: { p50: number; p99: number; max: number }; errors: number; timeouts: number; non2xx: number }
  metrics[`${label}: load ${LOAD_SECONDS} s, 10 connections: requests/s (mean)`] = Math.round(result.requests.average)
  metrics[`${label}: load: latency p50 ms`] = result.latency.p50
  metrics[`${label}: load: latency p99 ms`] = result.latency.p99
  metrics[`${label}: load: latency max ms`] = result.latency.max
  metrics[`${label}: load: errors + non-2xx`] = result.errors + result.timeouts + result.non2xx
  metrics[`${label}: load: collects finished during the load`] = collects
  metrics[`${label}: load: values precomputed by those collects`] = precomputed
}

const bench: Benchmark = {
  name: 'kpis-api',
  method:
    'GET /api/kpis?period=month (all 31 KPIs, 12 months, organisation) and the same per team, over real HTTP on loopback from the same process, ' +
    `after loadDemo(seed 42, history to ${DEMO_NOW.toISOString().slice(0, 10)}). Cold = first request (empty cache); warm = ${WARM_REQUESTS} (teams: 20) sequential requests after it. ` +
    `Load: autocannon, 10 connections, ${LOAD_SECONDS} s, while collectGitHub runs back to back against the fake GitHub (6 repositories) into the same database ` +
    '(each finished collect precomputes the values asked for in the last hour and publishes them with a new data version, as `meridian collect` does). Small demo on PGlite and PostgreSQL; with --large the large demo on PostgreSQL.',
  async run({ large }) {
    const metrics: Record<string, number | string> = {}
    await measureLatency('pglite', 'small', metrics)
    if (large) await measureLatency('postgres', 'large', metrics)
    else await measureLatency('postgres', 'small', metrics)
    return { metrics }
  },
}
export default bench
