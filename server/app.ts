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
import { VERSION } from './version.ts'
import { HTTP_OPTIONS } from './http-options.ts'

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
  /** false silences logs (tests); default: the config's log settings. */
  logger?: boolean | NonNullable<Parameters<typeof Fastify>[0]>['logger']
}

/**
 * Builds the HTTP app without listening: config → db → (auth) → routes → dashboard.
 * Tests call this and use `app.inject()`; `main.ts` listens.
 */
export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config, db } = options
  const app = Fastify({
    logger: options.logger === undefined || options.logger === true ? loggerOptions(config.server) : options.logger,
    ...HTTP_OPTIONS,
    trustProxy: false,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('config', config)
  app.decorate('db', db)
  app.decorate('clock', options.clock ?? (() => new Date()))

  registerErrorHandler(app)

  await app.register(swagger, {
    openapi: {
      info: { title: 'Meridian API', version: VERSION, description: 'Engineering KPIs, DORA and SLOs against targets.' },
      tags: [{ name: 'health' }, { name: 'organisation' }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true })

  await app.register(healthRoutes)
  await app.register(orgRoutes)

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
