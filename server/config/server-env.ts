import { resolve } from 'node:path'
import type { ConfigProblem } from './config-error.ts'
import type { Env, ServerSettings } from './app-config.ts'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Reads the server's environment variables (DESIGN §6); the only place besides loadConfig that sees process.env. */
export function readServerEnv(env: Env, cwd: string): { settings: ServerSettings; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  const problem = (name: string, message: string) => problems.push({ where: 'environment', path: name, message })

  let port = 3000
  if (env.PORT !== undefined && env.PORT !== '') {
    port = Number(env.PORT)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      problem('PORT', `expected a port number from 0 to 65535 (e.g. 3000), got ${JSON.stringify(env.PORT)}`)
      port = 3000
    }
  }
  const databaseUrl = env.DATABASE_URL || null
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problem('DATABASE_URL', 'expected a PostgreSQL URL (e.g. postgres://user@127.0.0.1:5432/meridian)')
  }
  const logLevel = env.LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) {
    problem('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`)
  }
  const production = env.NODE_ENV === 'production'
  return {
    problems,
    settings: {
      host: env.HOST || '127.0.0.1',
      port,
      databaseUrl,
      dataDir: resolve(cwd, env.MERIDIAN_DATA_DIR || 'data'),
      logLevel,
      prettyLogs: !production && env.MERIDIAN_LOG_FORMAT !== 'json' && Boolean(process.stdout.isTTY),
      webDir: resolve(cwd, env.MERIDIAN_WEB_DIR || 'web/dist'),
      demoOnEmpty: env.MERIDIAN_DEMO !== 'off',
      definitionsDir: env.MERIDIAN_KPI_DIR ? resolve(cwd, env.MERIDIAN_KPI_DIR) : null,
    },
  }
}
