import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.ts'
import { type AppConfig, collectableSources } from './config/app-config.ts'
import { connect, type Db } from './db/connect.ts'
import { migrateToLatest } from './db/migrate.ts'
import { replaceConfigTeams } from './repositories/teams.repository.ts'
import { isEmpty } from './repositories/sync-state.repository.ts'
import { ensureDashboardBuilt } from './web-build.ts'
import { loadDemo } from '../collectors/demo/load-demo.ts'
import { startOfUtcDay } from './time/start-of-utc-day.ts'

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/

/** Why the server must not start as configured, or null. Bound beyond loopback it needs auth. */
export function bindProblem(config: AppConfig): string | null {
  if (LOOPBACK.test(config.server.host) || config.auth?.oidc) return null
  return (
    `refusing to listen on ${config.server.host} without sign-in: anyone who can reach it could read and change data. ` +
    'Either set HOST=127.0.0.1 (local use), or configure auth.oidc and auth.sessionSecret in meridian.config.yaml (see README, "Access control").'
  )
}

/**
 * Prepares the database (migrate, config teams, demo on an empty database with no sources)
 * and returns the open connection.
 */
export async function prepareDatabase(config: AppConfig, log: (msg: string) => void): Promise<Db> {
  const db = await connect(config.server)
  log(`database: ${db.kind} (${db.location})`)
  const applied = await migrateToLatest(db.db)
  if (applied.length > 0) log(`applied ${applied.length} migration(s)`)
  await replaceConfigTeams(db.db, config.teams)
  if (config.server.demoOnEmpty && collectableSources(config).length === 0 && (await isEmpty(db.db))) {
    log('no sources configured and the database is empty: loading the demo organisation (clearly labelled in the UI)…')
    const r = await loadDemo(db.db, { seed: 42, scale: 'small', now: startOfUtcDay(new Date()) })
    log(`demo organisation loaded: ${r.rows} rows in ${r.seconds.toFixed(1)} s`)
  }
  return db
}

/** Starts the server: database, dashboard, HTTP; stops gracefully on SIGINT/SIGTERM. */
export async function startServer(config: AppConfig): Promise<FastifyInstance> {
  const problem = bindProblem(config)
  if (problem) throw new Error(problem)
  const log = (msg: string) => console.error(`[meridian] ${msg}`)
  await ensureDashboardBuilt(config.server.webDir, log)
  const db = await prepareDatabase(config, log)
  const app = await buildApp({ config, db })
  app.addHook('onClose', async () => db.close())

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'error while shutting down')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))

  await app.listen({ host: config.server.host, port: config.server.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.server.port
  const shown = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host
  log(`Meridian is running at http://${shown}:${port}`)
  return app
}
