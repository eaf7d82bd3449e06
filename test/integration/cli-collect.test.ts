import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectPGlite, type Db } from '../../server/db/connect.ts'
import { migrateToLatest } from '../../server/db/migrate.ts'
import { loadConfig } from '../../server/config/load-config.ts'
import { createKpiEngine } from '../../server/kpis/create-engine.ts'
import { readDataVersion } from '../../server/repositories/data-version.repository.ts'
import { FakeGitHubState, seedFakeOrg, startFakeGitHub, type FakeGitHub } from '../fixtures/github-fake/index.ts'
import { BACKENDS, createTestDatabase } from '../support/databases.ts'

const BIN = fileURLToPath(new URL('../../server/bin/meridian.mjs', import.meta.url))

/** Runs the CLI in another process (the fake GitHub answers from this one); `onStart` may signal it. */
function meridian(args: string[], cwd: string, env: Record<string, string>, onStart?: (kill: (s: NodeJS.Signals) => void) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    p.on('error', reject)
    p.on('exit', (code) => resolve({ code, stdout, stderr }))
    onStart?.((s) => p.kill(s))
  })
}

// `meridian collect` end to end: many per-repository syncs become one published data version, the
// KPI values the dashboard asked for are precomputed with it, and an interrupted run still
// publishes what it committed.
describe.each(BACKENDS)('meridian collect publishes KPI values once [%s]', (backend) => {
  let fake: FakeGitHub
  let cwd: string
  let env: Record<string, string>
  let pg: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  /** The CLI's database, opened between runs (PGlite: its data dir; the CLI must not be running). */
  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (pg) return fn(pg)
    const db = await connectPGlite(join(cwd, 'data', 'pglite'))
    try {
      await migrateToLatest(db.db)
      return await fn(db)
    } finally {
      await db.close()
    }
  }

  beforeAll(async () => {
    const state = new FakeGitHubState(new Date().toISOString())
    seedFakeOrg(state, { org: 'acme', repos: 3, prsPerRepo: 30, deploymentsPerRepo: 20, runsPerRepo: 20, issuesPerRepo: 10, alertsPerRepo: 3, days: 60 })
    fake = await startFakeGitHub({ state })
    cwd = mkdtempSync(join(tmpdir(), 'meridian-collect-'))
    writeFileSync(join(cwd, 'meridian.config.yaml'), `organisation: Acme\nsources:\n  github:\n    baseUrl: ${fake.url}\n    token: \${GITHUB_TOKEN}\n    repos: [acme/*]\n`)
    env = { GITHUB_TOKEN: 'ghp_fake_token', LOG_LEVEL: 'silent' }
    if (backend === 'postgres') {
      pg = await createTestDatabase('postgres')
      env.DATABASE_URL = pg.url
    }
  })
  afterAll(async () => {
    await fake?.close()
    await pg?.drop()
  })

  it('moves the data version by one for the whole run and precomputes the values asked for', async () => {
    const before = pg ? Number(await readDataVersion(pg.db)) : 0
    const first = await meridian(['collect'], cwd, env)
    expect(first.stderr).not.toMatch(/error/i)
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`KPI values: data version ${before + 1}, 0 of 0 recently viewed values precomputed`)

    // The dashboard asks for two KPIs of the organisation by month (what a server would note).
    const config = loadConfig({ ...env, DATABASE_URL: undefined }, cwd)
    await withDb(async (db) => {
      expect(Number(await readDataVersion(db.db))).toBe(before + 1)
      const engine = createKpiEngine({ db: db.db, config, clock: () => new Date() })
      await engine.series({ scope: 'org', period: 'month', ids: ['dora.deployment_frequency', 'dora.lead_time'] })
      await engine.flushTouches()
    })
    const second = await meridian(['collect', '--full'], cwd, env)
    expect(second.code).toBe(0)
    expect(second.stdout).toContain(`KPI values: data version ${before + 2}, 2 of 2 recently viewed values precomputed`)
    await withDb(async (db) => {
      const stored = await db.db.selectFrom('kpi_value_cache').select(['key', 'version']).orderBy('key').execute()
      expect(stored.map((r) => [r.key.split('|').slice(0, 2).join('|'), String(r.version)])).toEqual([
        ['dora.deployment_frequency|org', String(before + 2)],
        ['dora.lead_time|org', String(before + 2)],
      ])
    })
  })

  it('interrupted, publishes what it committed and exits 130', async () => {
    const before = await withDb(async (db) => Number(await readDataVersion(db.db)))
    const seen = fake.requests.length
    const run = await meridian(['collect', '--full'], cwd, env, (kill) => {
      // Stop it once it has made some requests (it is mid-run then).
      const timer = setInterval(() => {
        if (fake.requests.length > seen + 10) {
          clearInterval(timer)
          kill('SIGINT')
        }
      }, 5)
    })
    expect(run.code).toBe(130)
    expect(run.stderr).toContain('meridian collect: SIGINT; publishing what was committed and stopping (a re-run resumes)')
    await withDb(async (db) => expect(Number(await readDataVersion(db.db))).toBe(before + 1))
  })
})
