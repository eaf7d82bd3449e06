import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors/app-error.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes received (webhook routes only): signatures are computed over them. */
    rawBody?: Buffer
  }
}

/** Webhook bodies larger than this are refused (GitHub caps payloads at 25 MB; ours are far smaller). */
export const WEBHOOK_BODY_LIMIT = 5 * 1_048_576

/**
 * In the calling (encapsulated) plugin, parses JSON bodies while keeping their raw bytes on
 * `req.rawBody`, so a signature can be checked over exactly what the sender signed.
 */
export function keepRawJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (req, body, done) => {
    const raw = body as Buffer
    req.rawBody = raw
    try {
      const text = raw.toString('utf8')
      // GitHub can be set to send form-encoded bodies: `payload=<url-encoded JSON>`.
      const json = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(text).get('payload') ?? '' : text
      done(null, JSON.parse(json))
    } catch {
      done(new AppError(400, 'invalid_request', 'The webhook body is not valid JSON'), undefined)
    }
  })
}
