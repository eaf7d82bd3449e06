import type { FastifyError, FastifyInstance } from 'fastify'
import { AppError } from '../errors/app-error.ts'

function isDatabaseDown(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === '57P01' || // admin_shutdown
    code === '57P03' || // cannot_connect_now
    /Connection terminated|timeout exceeded when trying to connect|is not queryable|Query read timeout/i.test((err as Error)?.message ?? '')
  )
}

/**
 * The one error handler: schema validation → 400 invalid_request with details; AppError as it is;
 * an unreachable database → 503; anything else is logged with its request id and answered with a
 * bare 500 internal_error, never the raw message.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const requestId = req.id
    if (err.validation) {
      const details = err.validation.map((v) => ({
        field: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}` + (v.params && 'missingProperty' in v.params ? `.${String(v.params.missingProperty)}` : v.params && 'additionalProperty' in v.params ? `.${String(v.params.additionalProperty)}` : ''),
        message: v.message ?? 'is invalid',
      }))
      return reply.status(400).send({
        error: { code: 'invalid_request', message: details.map((d) => `${d.field} ${d.message}`).join('; '), details, requestId },
      })
    }
    if (err instanceof AppError) {
      if (err.status >= 500) req.log.error({ err }, err.message)
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, details: err.details, requestId } })
    }
    if (isDatabaseDown(err)) {
      req.log.error({ err }, 'database unavailable')
      return reply.status(503).send({ error: { code: 'database_unavailable', message: 'The database is unavailable; try again shortly.', requestId } })
    }
    // Client errors fastify raises itself (bad JSON, body too large, wrong content type).
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const code = err.statusCode === 413 ? 'payload_too_large' : err.statusCode === 429 ? 'rate_limited' : 'invalid_request'
      return reply.status(err.statusCode).send({ error: { code, message: err.message, requestId } })
    }
    req.log.error({ err }, 'unhandled error')
    return reply.status(500).send({ error: { code: 'internal_error', message: 'Something went wrong; the error was logged.', requestId } })
  })
}

/**
 * 404 for unknown routes. With `spaFallback` (the dashboard is served), a GET for a client-side
 * route — not /api, no file extension — gets index.html so deep links work.
 */
export function registerNotFound(app: FastifyInstance, options: { spaFallback?: boolean } = {}): void {
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!
    if (options.spaFallback && req.method === 'GET' && !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path)) {
      return reply.type('text/html').sendFile('index.html')
    }
    return reply.status(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${path}`, requestId: req.id } })
  })
}
