import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/app.ts'
import { startOfUtcDay } from '../../server/time/start-of-utc-day.ts'
import { loadDemo } from '../../collectors/demo/load-demo.ts'
import { createTestDatabase } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'

export interface DemoServer {
  app: FastifyInstance
  /** http://127.0.0.1:<port> */
  url: string
  /** GET an API path from the same server the browser uses; fails on a non-2xx answer. */
  api<T>(path: string): Promise<T>
  close(): Promise<void>
}

/**
 * The real app as `npm start` runs it on an empty database with no sources: PGlite in memory, the
 * small demo organisation (seed 42) ending today, the built dashboard served from `webDir`, on a
 * free loopback port (no sign-in: the local user may do everything, as on a laptop).
 */
export async function startDemoServer(webDir: string): Promise<DemoServer> {
  const db = await createTestDatabase('pglite')
  try {
    await loadDemo(db.db, { seed: 42, scale: 'small', now: startOfUtcDay(new Date()) })
    const app = await buildApp({ config: testConfig({}, { webDir }), db, logger: false })
    app.addHook('onClose', async () => db.drop())
    await app.listen({ host: '127.0.0.1', port: 0 })
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    return {
      app,
      url,
      async api<T>(path: string): Promise<T> {
        const res = await fetch(`${url}${path}`, { headers: { accept: 'application/json' } })
        if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
        return (await res.json()) as T
      },
      close: () => app.close(),
    }
  } catch (err) {
    await db.drop()
    throw err
  }
}
