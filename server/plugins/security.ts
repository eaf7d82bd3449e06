import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors/app-error.ts'

/** Per-route limits, referenced from routes as `config: { rateLimit: RATE_LIMITS.signIn }`. */
export const RATE_LIMITS = {
  signIn: { max: 20, timeWindow: '1 minute' },
  ingest: { max: 600, timeWindow: '1 minute' },
  webhook: { max: 600, timeWindow: '1 minute' },
  admin: { max: 120, timeWindow: '1 minute' },
} as const

/**
 * Security headers with a CSP the dashboard runs under (scripts and styles only from this
 * origin, no framing), and rate limits applied where a route asks for one.
 */
export async function registerSecurity(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // The dashboard is served over plain http on loopback by default; HSTS would pin browsers to https.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  })
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (req) => req.principal?.id ?? req.ip,
    errorResponseBuilder: (_req, ctx) =>
      new AppError(ctx.statusCode === 403 ? 403 : 429, 'rate_limited', `Too many requests: at most ${ctx.max} per ${ctx.after}; retry after ${ctx.after}.`),
  })
}
