import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    /** Work accepted by webhooks and done after answering; `idle()` waits for all of it (tests, shutdown). */
    background: {
      run(name: string, work: () => Promise<void>): void
      idle(): Promise<void>
      /** Registers a callback run after each piece of work settles (before idle() resolves). */
      onSettled(callback: () => Promise<void>): void
    }
  }
}

/** Webhook senders want an answer within seconds: the work happens after the reply. */
export function registerBackground(app: FastifyInstance): void {
  const pending = new Set<Promise<void>>()
  const settled: (() => Promise<void>)[] = []
  app.decorate('background', {
    run(name: string, work: () => Promise<void>) {
      const p = new Promise<void>((resolve) => setImmediate(resolve))
        .then(work)
        .catch((err: unknown) => app.log.error({ err, work: name }, 'background work failed'))
        .then(async () => {
          for (const callback of settled) await callback()
        })
        .finally(() => pending.delete(p))
      pending.add(p)
    },
    onSettled(callback: () => Promise<void>) {
      settled.push(callback)
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending])
    },
  })
  app.addHook('onClose', async () => app.background.idle())
}
