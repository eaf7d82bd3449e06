import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTempPostgres, type TempPostgres } from '../support/temp-postgres.ts'

// `meridian serve` on a PostgreSQL server of the test's own (temp cluster, spare port) that the
// test stops and starts again. The shared server on 127.0.0.1:5432 is never touched.

const BIN = fileURLToPath(new URL('../../server/bin/meridian.mjs', import.meta.url))
/** The bound: an API request during an outage is answered within this. */
const ANSWER_WITHIN_MS = 2_000
/** Per-request abort, so a hung request fails the test instead of stalling it. */
const REQUEST_ABORT_MS = 5_000
const RECOVERY_BOUND_MS = 15_000
const POLL_EVERY_MS = 200

interface Answer {
  status: number
  body: any
  ms: number
}

describe('meridian serve when PostgreSQL stops and comes back', () => {
  let postgres: TempPostgres | undefined
  let child: ChildProcessWithoutNullStreams | undefined
  let cwd: string | undefined
  let output = ''
  let baseUrl = ''

  /** GET `path` on the serve process, timed; aborted (a test failure) after REQUEST_ABORT_MS. */
  async function get(path: string): Promise<Answer> {
    const started = performance.now()
    let res: Response
    try {
      res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(REQUEST_ABORT_MS) })
    } catch (err) {
      throw new Error(`GET ${path} got no answer within ${REQUEST_ABORT_MS} ms (${(err as Error).message})\n--- serve output ---\n${output}`)
    }
    const text = await res.text()
    const ms = performance.now() - started
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
    return { status: res.status, body, ms }
  }

  beforeAll(async () => {
    postgres = await startTempPostgres()
    expect(postgres.port).not.toBe(5432)
    cwd = mkdtempSync(join(tmpdir(), 'meridian-db-faults-'))
    child = spawn(process.execPath, [BIN, 'serve'], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: postgres.url,
        PORT: '0',
        MERIDIAN_DEMO: 'off',
        MERIDIAN_WEB_DIR: join(cwd, 'no-web'),
        LOG_LEVEL: 'warn',
      },
    })
    const proc = child
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()))
    baseUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`meridian serve did not start within 60 s:\n${output}`)), 60_000)
      proc.stderr.on('data', (d: Buffer) => {
        output += d.toString()
        const m = /running at (http:\/\/\S+)/.exec(output)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      })
      proc.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`meridian serve exited (code ${code}, signal ${signal}) before listening:\n${output}`))
      })
    })
    expect(output).toContain(`database: postgres (127.0.0.1:${postgres.port}/postgres)`)
  }, 120_000)

  afterAll(async () => {
    try {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve))
        child.kill('SIGKILL')
        await exited
      }
    } finally {
      await postgres?.destroy()
      if (cwd) rmSync(cwd, { recursive: true, force: true })
    }
  }, 120_000)

  it('answers 503 database_unavailable within 2 s while it is down, reports it on /readyz, and recovers without a restart', async () => {
    const pg = postgres!
    const proc = child!

    // Up: the API and readiness answer normally.
    const teams = await get('/api/teams')
    expect(teams.status, JSON.stringify(teams.body)).toBe(200)
    expect(teams.body).toEqual({ teams: [] })
    const ready = await get('/readyz')
    expect(ready.status, JSON.stringify(ready.body)).toBe(200)
    expect(ready.body).toMatchObject({ status: 'ready', database: { kind: 'postgres', reachable: true }, migrations: { current: true } })

    // Down: every request is answered quickly with a clear 503, none hangs.
    await pg.stop()
    const downTimes: number[] = []
    const expectTeamsUnavailable = (a: Answer) => {
      expect(a.status, JSON.stringify(a.body)).toBe(503)
      expect(a.body).toMatchObject({ error: { code: 'database_unavailable', message: expect.any(String) } })
      expect(a.body.error.message.length).toBeGreaterThan(0)
      expect(a.ms).toBeLessThan(ANSWER_WITHIN_MS)
      downTimes.push(a.ms)
    }
    const expectNotReady = (a: Answer) => {
      expect(a.status, JSON.stringify(a.body)).toBe(503)
      expect(a.body).toMatchObject({ status: 'unavailable', database: { kind: 'postgres', reachable: false } })
      expect(a.body.database.error).toEqual(expect.any(String))
      expect(a.ms).toBeLessThan(ANSWER_WITHIN_MS)
      downTimes.push(a.ms)
    }
    for (let i = 0; i < 4; i++) {
      expectTeamsUnavailable(await get('/api/teams'))
      expectNotReady(await get('/readyz'))
    }
    // A burst at once: more requests than the pool has clients.
    const burst = await Promise.all([...Array.from({ length: 12 }, () => get('/api/teams')), ...Array.from({ length: 4 }, () => get('/readyz'))])
    burst.slice(0, 12).forEach(expectTeamsUnavailable)
    burst.slice(12).forEach(expectNotReady)
    // The process stayed up through the outage.
    expect(proc.exitCode).toBeNull()
    expect((await get('/healthz')).body).toEqual({ status: 'ok' })

    // Back: the same serve process recovers by itself (bounded polling, no restart).
    await pg.start()
    const restartedAt = performance.now()
    let last: { teams: Answer; ready: Answer } | undefined
    while (performance.now() - restartedAt < RECOVERY_BOUND_MS) {
      last = { teams: await get('/api/teams'), ready: await get('/readyz') }
      if (last.teams.status === 200 && last.ready.status === 200) break
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS))
    }
    const recoveryMs = performance.now() - restartedAt
    expect(last?.teams.status, `not recovered within ${RECOVERY_BOUND_MS} ms: ${JSON.stringify(last)}`).toBe(200)
    expect(last!.teams.body).toEqual({ teams: [] })
    expect(last!.ready.status).toBe(200)
    expect(last!.ready.body).toMatchObject({ status: 'ready', database: { kind: 'postgres', reachable: true } })
    expect(proc.exitCode).toBeNull()
    console.info(
      `[db-faults] 503 latency: max ${Math.max(...downTimes).toFixed(0)} ms over ${downTimes.length} requests; ` +
        `recovered ${recoveryMs.toFixed(0)} ms after PostgreSQL was back`,
    )

    // A graceful shutdown still works after the outage.
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
    proc.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 120_000)
})
