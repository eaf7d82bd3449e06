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

/** Query parameters that carry one-time secrets (OAuth codes, state) or tokens. */
const SECRET_QUERY = /([?&](?:code|state|token|access_token|id_token|session_state)=)[^&#]*/gi

/** A URL safe to log: secret-bearing query values replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]')
}

interface RawRequest {
  method: string
  url: string
  id?: string
  hostname?: string
  ip?: string
  socket?: { remotePort?: number }
}

/**
 * pino options: JSON in production, pretty on a terminal; secrets redacted by path and from
 * logged URLs. `stream` (tests) captures the output.
 */
export function loggerOptions(
  settings: { logLevel: string; prettyLogs: boolean },
  stream?: { write(line: string): void },
): FastifyServerOptions['logger'] {
  return {
    level: settings.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: RawRequest) => ({ method: req.method, url: redactUrl(req.url), host: req.hostname, remoteAddress: req.ip, remotePort: req.socket?.remotePort }),
    },
    ...(stream && { stream }),
    ...(settings.prettyLogs && !stream && {
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } },
    }),
  }
}
