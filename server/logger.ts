import type { FastifyServerOptions } from 'fastify'

/** Header and field paths that may carry a credential; pino replaces their values. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-pagerduty-signature"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.sessionSecret',
  '*.webhookSecret',
  '*.privateKey',
  '*.databaseUrl',
  'config.sources',
  'config.auth',
]

/** pino options: JSON in production, pretty on a terminal; secrets redacted by path. */
export function loggerOptions(settings: { logLevel: string; prettyLogs: boolean }): FastifyServerOptions['logger'] {
  return {
    level: settings.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(settings.prettyLogs && {
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } },
    }),
  }
}
