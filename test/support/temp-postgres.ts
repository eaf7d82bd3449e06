import { execFile, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A throwaway PostgreSQL server of the test's own, on a spare loopback port, for tests that stop
 * and restart the database (never the shared server on 5432 that other suites use).
 */
export interface TempPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication). */
  url: string
  port: number
  /** Stops the server (`pg_ctl -m fast -w stop`): the process is gone, the data kept. */
  stop(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
  /** Stops it when it runs and removes its directory. Safe to call more than once. */
  destroy(): Promise<void>
}

const SHARED_PORT = 5432
const PG_ROOT = '/usr/lib/postgresql'

/** initdb and pg_ctl of the newest PostgreSQL installed under /usr/lib/postgresql. */
function findBinaries(): { initdb: string; pgCtl: string; version: string } {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : []
  for (const version of versions) {
    const initdb = join(PG_ROOT, version, 'bin', 'initdb')
    const pgCtl = join(PG_ROOT, version, 'bin', 'pg_ctl')
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl, version }
  }
  throw new Error(
    `no PostgreSQL server binaries found (looked for ${PG_ROOT}/<version>/bin/initdb and pg_ctl; ` +
      `found versions: ${versions.join(', ') || 'none'}). Install the postgresql server package.`,
  )
}

/** A port nobody listens on right now: bind port 0 on loopback, read it, release it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not read the port the OS assigned'))))
    })
  })
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log file)'
  }
}

/** Every file and directory under `dir`, for chown. */
function walk(dir: string): string[] {
  const out = [dir]
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...walk(path))
    else out.push(path)
  }
  return out
}

/**
 * Initialises a fresh cluster in a temp directory and starts it on a free port of 127.0.0.1
 * (socket in the temp directory, fsync off). As root, initdb and postgres run as the `postgres`
 * OS user through runuser, since both refuse to run as root.
 */
export async function startTempPostgres(): Promise<TempPostgres> {
  const { initdb, pgCtl, version } = findBinaries()
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
  let owner: { uid: number; gid: number } | null = null
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
    if (id.status !== 0 || gid.status !== 0) {
      throw new Error('running as root, but there is no `postgres` OS user to run initdb and postgres as (they refuse to run as root)')
    }
    owner = { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) }
  }

  const base = mkdtempSync(join(tmpdir(), 'meridian-pg-'))
  const dataDir = join(base, 'data')
  const socketDir = join(base, 'sock')
  const logFile = join(base, 'postgres.log')
  mkdirSync(socketDir)
  writeFileSync(logFile, '')
  if (owner) for (const path of walk(base)) chownSync(path, owner.uid, owner.gid)

  // A clean environment: no PGDATA/PGPORT/PGHOST leaking in from the caller's shell.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', TZ: 'UTC' }

  const run = (file: string, args: string[], what: string, timeoutMs = 60_000): Promise<string> => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]
    return new Promise((resolve, reject) => {
      execFile(cmd, argv, { cwd: base, env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout)
        reject(
          new Error(
            `temp PostgreSQL ${version} (${dataDir}): ${what} failed: ${err.message.trim()}\n` +
              `--- output ---\n${`${stdout}${stderr}`.trim() || '(none)'}\n--- ${logFile} (tail) ---\n${tail(logFile)}`,
          ),
        )
      })
    })
  }

  let port = 0
  let running = false
  let destroyed = false

  const startServer = async () => {
    if (port === SHARED_PORT) throw new Error('refusing to start a temp PostgreSQL on 5432, the shared server’s port')
    await run(
      pgCtl,
      ['-D', dataDir, '-o', `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', logFile, '-t', '60', '-w', 'start'],
      `pg_ctl start on port ${port}`,
      90_000,
    )
    running = true
  }

  // If the test process dies without destroy() (crash, killed worker), do not leave a server behind.
  const onExit = () => {
    if (!running) return
    const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop']
    spawnSync(asRoot ? 'runuser' : pgCtl, asRoot ? ['-u', 'postgres', '--', pgCtl, ...args] : args, { cwd: base, env, timeout: 10_000 })
    rmSync(base, { recursive: true, force: true })
  }

  try {
    await run(initdb, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], 'initdb')
    port = await freePort()
    await startServer()
  } catch (err) {
    onExit()
    rmSync(base, { recursive: true, force: true })
    throw err
  }
  process.once('exit', onExit)

  const stopServer = async (mode: 'fast' | 'immediate') => {
    await run(pgCtl, ['-D', dataDir, '-m', mode, '-t', '60', '-w', 'stop'], `pg_ctl stop -m ${mode}`, 90_000)
    running = false
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (destroyed) throw new Error('temp PostgreSQL was destroyed')
      if (!running) throw new Error(`temp PostgreSQL on port ${port} is not running`)
      await stopServer('fast')
    },
    async start() {
      if (destroyed) throw new Error('temp PostgreSQL was destroyed')
      if (running) throw new Error(`temp PostgreSQL on port ${port} is already running`)
      await startServer()
    },
    async destroy() {
      if (destroyed) return
      destroyed = true
      process.removeListener('exit', onExit)
      try {
        if (running) {
          try {
            await stopServer('fast')
          } catch {
            await stopServer('immediate')
          }
        }
      } finally {
        rmSync(base, { recursive: true, force: true })
      }
    },
  }
}

