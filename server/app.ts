import { existsSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AppConfig } from './config/app-config.ts'
import type { Db } from './db/connect.ts'
import { loggerOptions } from './logger.ts'
import { registerErrorHandler, registerNotFound } from './plugins/error-handler.ts'
import { healthRoutes } from './routes/health.route.ts'
import { orgRoutes } from './routes/org.route.ts'
import { authRoutes } from './routes/auth.route.ts'
import { tokenRoutes } from './routes/tokens.route.ts'
import { auditRoutes } from './routes/audit.route.ts'
import { githubWebhookRoutes } from './routes/github-webhook.route.ts'
import { registerBackground } from './webhooks/background.ts'
import { registerDataVersion } from './plugins/data-version.ts'
import { registerJsonBody } from './plugins/json-body.ts'
import { createKpiEngine } from './kpis/create-engine.ts'
import { kpiRoutes } from './routes/kpis.route.ts'
import { sloRoutes } from './routes/slos.route.ts'
import { ingestRoutes } from './routes/ingest.route.ts'
import { measurementRoutes } from './routes/measurements.route.ts'
import { snapshotRoutes } from './routes/snapshots.route.ts'
import { pagerDutyWebhookRoutes } from './routes/pagerduty-webhook.route.ts'
import { registerAuth } from './plugins/auth.ts'
import { registerSecurity } from './plugins/security.ts'
import { VERSION } from './version.ts'
import { HTTP_OPTIONS, validatorCompiler } from './http-options.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
    db: Db
    /** The current time; injected so tests control it. */
    clock: () => Date
  }
}

export interface BuildOptions {
  config: AppConfig
  db: Db
  clock?: () => Date
  /** Where the KPI definitions (and their slos/ folder) are; default kpi-definitions/. */
  definitionsDir?: string
  /** false silences logs (tests); `{ level, stream }` captures them; default: the config's log settings. */
  logger?: false | { level?: string; stream: { write(line: string): void } }
}

/**
 * Builds the HTTP app without listening: config → db → security → auth → routes → dashboard.
 * Tests call this and use `app.inject()`; `main.ts` listens.
 */
export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config, db } = options
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : loggerOptions({ ...config.server, logLevel: options.logger?.level ?? config.server.logLevel }, options.logger?.stream),
    ...HTTP_OPTIONS,
    trustProxy: false,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  app.decorate('config', config)
  app.decorate('db', db)
  app.decorate('clock', options.clock ?? (() => new Date()))
  // Invalid definition files stop start-up here, every problem listed.
  app.decorate('kpis', createKpiEngine({ db: db.db, config, clock: app.clock, definitionsDir: options.definitionsDir }))

  registerErrorHandler(app)
  registerJsonBody(app)
  registerBackground(app)
  registerDataVersion(app)
  await registerSecurity(app)
  await registerAuth(app)

  await app.register(swagger, {
    openapi: {
      info: { title: 'Meridian API', version: VERSION, description: 'Engineering KPIs, DORA and SLOs against targets.' },
      tags: [{ name: 'health' }, { name: 'organisation' }, { name: 'kpis' }, { name: 'slos' }, { name: 'measurements' }, { name: 'snapshots' }, { name: 'access' }, { name: 'webhooks' }, { name: 'ingest' }],
      components: {
        securitySchemes: {
          apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (mrd_…) from `meridian token create`' },
          session: { type: 'apiKey', in: 'cookie', name: 'meridian_session', description: 'Set by signing in at /auth/login' },
        },
      },
      security: [{ apiToken: [] }, { session: [] }],
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // Served over plain http on loopback by default: upgrading its requests to https would break it.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  })

  await app.register(healthRoutes)
  await app.register(orgRoutes)
  await app.register(authRoutes)
  await app.register(tokenRoutes)
  await app.register(auditRoutes)
  await app.register(githubWebhookRoutes)
  await app.register(ingestRoutes)
  await app.register(kpiRoutes)
  const definitionsDir = options.definitionsDir ?? config.server.definitionsDir
  await app.register(sloRoutes, definitionsDir ? { sloDir: `${definitionsDir}/slos` } : {})
  await app.register(measurementRoutes, { definitions: new Map(app.kpis.definitions.map((d) => [d.id, d])) })
  await app.register(snapshotRoutes)
  await app.register(pagerDutyWebhookRoutes)

  registerNotFound(app, { spaFallback: await registerDashboard(app, config.server.webDir) })
  return app
}

/** Serves the built SPA when there is one; returns whether it is served. */
async function registerDashboard(app: FastifyInstance, webDir: string): Promise<boolean> {
  if (!existsSync(`${webDir}/index.html`)) {
    app.log.warn({ webDir }, 'the dashboard is not built (run `npm run build:web`); serving the API only')
    return false
  }
  await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: ['index.html'] })
  return true
}
