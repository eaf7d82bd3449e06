import { parseArgs, type ParseArgsConfig } from 'node:util'
import { loadConfig } from './config/load-config.ts'
import { ConfigError } from './config/config-error.ts'
import { collectableSources, type AppConfig } from './config/app-config.ts'
import { VERSION } from './version.ts'
import { startOfUtcDay } from './time/start-of-utc-day.ts'

// Commands load what they need on demand, so `--help` and `validate` start fast.
const database = () => import('./db/connect.ts')
const migrations = () => import('./db/migrate.ts')

const USAGE = `meridian ${VERSION} — engineering KPIs, DORA and SLOs against targets

Usage: meridian <command> [options]

Commands:
  serve                         run the API and dashboard (http://127.0.0.1:3000 by default)
  migrate [--down]              apply pending database migrations (--down: revert all of them)
  validate                      check meridian.config.yaml and the environment; list every problem
  collect [--source S] [--since DATE] [--full]
                                collect from the configured sources
  demo [--scale small|large] [--seed N] [--remove]
                                load (or remove) the clearly labelled demo organisation
  snapshot --period 2026-10|2026-Q3 [--scope S] [--format pdf|csv|md|json] [--out FILE]
           [--title T] [--commentary TEXT]
                                freeze a board-report snapshot, store it and export it
                                (default: pdf to meridian-<period>-<scope>.<format>; --out - for stdout)
  kpis [--period week|month|quarter] [--scope S] [--from DATE] [--to DATE] [--json]
                                print the KPIs as a table (the numbers GET /api/kpis returns)
  token create --name NAME [--scope read,ingest,admin] [--team ID] [--expires-days N]
                                create an API token (shown once)
  token list                    list API tokens (never the tokens themselves)
  token revoke ID               revoke an API token

Environment: DATABASE_URL (absent: embedded PGlite in ./data), PORT (3000), HOST (127.0.0.1),
MERIDIAN_CONFIG (meridian.config.yaml), MERIDIAN_DATA_DIR (./data), MERIDIAN_KPI_DIR (kpi-definitions),
LOG_LEVEL (info).
Exit codes: 0 done, 1 failed, 2 usage error or command not available yet.`

/** Commands whose issue has not landed yet: they say so and exit 2. */
const NOT_YET: Record<string, string> = {}

const OPTIONS: Record<string, ParseArgsConfig['options']> = {
  serve: {},
  migrate: { down: { type: 'boolean' } },
  validate: {},
  demo: { scale: { type: 'string' }, seed: { type: 'string' }, remove: { type: 'boolean' } },
  collect: { source: { type: 'string' }, since: { type: 'string' }, full: { type: 'boolean' } },
  snapshot: { period: { type: 'string' }, scope: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, title: { type: 'string' }, commentary: { type: 'string' } },
  kpis: { period: { type: 'string' }, scope: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
  token: { name: { type: 'string' }, scope: { type: 'string' }, team: { type: 'string' }, 'expires-days': { type: 'string' } },
}

class UsageError extends Error {}

const print = (s: string) => process.stdout.write(`${s}\n`)
const printErr = (s: string) => process.stderr.write(`${s}\n`)

type Values = { [key: string]: string | boolean | string[] | undefined; _: string[] }

function parse(command: string, args: string[]): Values {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...OPTIONS[command], help: { type: 'boolean', short: 'h' } }, allowPositionals: command === 'token', strict: true })
    return { ...(values as Record<string, string | boolean | undefined>), _: positionals }
  } catch (err) {
    throw new UsageError(`meridian ${command}: ${(err as Error).message}`)
  }
}

/** Runs one CLI invocation; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    print(USAGE)
    return command ? 0 : 2
  }
  if (command === '--version' || command === '-v') {
    print(VERSION)
    return 0
  }
  if (!(command in OPTIONS)) {
    printErr(`meridian: unknown command "${command}"\n\n${USAGE}`)
    return 2
  }
  try {
    const values = parse(command, args)
    if (values.help) {
      print(USAGE)
      return 0
    }
    if (command in NOT_YET) {
      printErr(`meridian ${command}: ${NOT_YET[command]}`)
      return 2
    }
    const config = loadConfig()
    switch (command) {
      case 'validate':
        return await validate(config)
      case 'kpis':
        return await kpis(config, values)
      case 'snapshot':
        return await snapshot(config, values)
      case 'migrate':
        return await migrate(config, Boolean(values.down))
      case 'demo':
        return await demo(config, values as { scale?: string; seed?: string; remove?: boolean })
      case 'collect':
        return await collect(config, values)
      case 'token':
        return await token(config, values)
      case 'serve':
        await (await import('./main.ts')).startServer(config)
        return 0
    }
    return 2
  } catch (err) {
    if (err instanceof UsageError) {
      printErr(`${err.message}\nRun \`meridian --help\` for usage.`)
      return 2
    }
    if (err instanceof ConfigError) {
      printErr(err.message)
      return 1
    }
    printErr(`meridian ${command}: ${(err as Error).message}`)
    return 1
  }
}

async function validate(config: AppConfig): Promise<number> {
  const sources = collectableSources(config)
  const { loadKpiFiles } = await import('./kpis/load-kpi-files.ts')
  const { formatDefinitionProblem } = await import('./kpis/load-definitions.ts')
  const files = loadKpiFiles(config.server.definitionsDir ?? undefined)
  if (files.problems.length > 0) {
    printErr(`invalid KPI definitions (kpi-definitions/):\n${files.problems.map((p) => `  ${formatDefinitionProblem(p)}`).join('\n')}`)
    return 1
  }
  print(
    [
      config.file ? `${config.file}: valid` : 'no meridian.config.yaml: no sources configured (the demo organisation is used)',
      `  organisation: ${config.organisation} (timezone ${config.timezone})`,
      `  teams: ${config.teams.length === 0 ? 'none' : config.teams.map((t) => t.id).join(', ')}`,
      `  sources with credentials: ${sources.length === 0 ? 'none' : sources.join(', ')}`,
      `  database: ${config.server.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.server.dataDir}`}`,
      `  KPI definitions: ${files.definitions.length} valid; SLOs: ${files.slos.length} valid`,
    ].join('\n'),
  )
  return 0
}

async function kpis(config: AppConfig, values: Values): Promise<number> {
  const period = values.period ?? 'month'
  if (period !== 'week' && period !== 'month' && period !== 'quarter') throw new UsageError(`meridian kpis: --period must be week, month or quarter, got "${period}"`)
  const { parseLocalDate } = await import('./metrics/periods.ts')
  const date = (name: 'from' | 'to') => {
    const text = values[name]
    if (text === undefined) return undefined
    const d = typeof text === 'string' ? parseLocalDate(text, config.timezone) : null
    if (!d) throw new UsageError(`meridian kpis: --${name} must be a date like 2026-01-01, got "${String(text)}"`)
    return d
  }
  const from = date('from')
  const to = date('to')
  const { createKpiEngine } = await import('./kpis/create-engine.ts')
  const { kpiListResponse } = await import('./kpis/present.ts')
  const { formatKpiTable } = await import('./kpis/format-table.ts')
  const { ScopeError } = await import('./metrics/scope.ts')
  const db = await (await database()).connect(config.server)
  try {
    await (await migrations()).migrateToLatest(db.db)
    const engine = createKpiEngine({ db: db.db, config, clock: () => new Date() })
    const scope = typeof values.scope === 'string' ? values.scope : 'org'
    let result
    try {
      result = kpiListResponse(await engine.series({ scope, period, from, to }))
    } catch (err) {
      if (err instanceof ScopeError) throw new UsageError(`meridian kpis: --scope: ${err.message}`)
      throw err
    }
    print(values.json ? JSON.stringify(result, null, 2) : formatKpiTable(result))
    return result.kpis.some((k) => k.error !== undefined) ? 1 : 0
  } finally {
    await db.close()
  }
}

async function snapshot(config: AppConfig, values: Values): Promise<number> {
  const usage = 'usage: meridian snapshot --period 2026-10|2026-Q3 [--scope S] [--format pdf|csv|md|json] [--out FILE]'
  if (typeof values.period !== 'string') throw new UsageError(`meridian snapshot: --period is required\n${usage}`)
  const format = typeof values.format === 'string' ? values.format : 'pdf'
  if (format !== 'pdf' && format !== 'csv' && format !== 'md' && format !== 'json') throw new UsageError(`meridian snapshot: --format must be pdf, csv, md or json, got "${format}"`)
  const { parseSnapshotPeriod } = await import('./snapshots/freeze.ts')
  const period = parseSnapshotPeriod(values.period, config.timezone)
  if (typeof period === 'string') throw new UsageError(`meridian snapshot: --period: ${period}`)
  const { createKpiEngine } = await import('./kpis/create-engine.ts')
  const { takeSnapshot, SnapshotInputError } = await import('./snapshots/store.ts')
  const { exportSnapshot, exportFileName } = await import('./snapshots/export.ts')
  const { ScopeError } = await import('./metrics/scope.ts')
  const db = await (await database()).connect(config.server)
  try {
    await (await migrations()).migrateToLatest(db.db)
    const engine = createKpiEngine({ db: db.db, config, clock: () => new Date() })
    let taken
    try {
      taken = await takeSnapshot(
        { db: db.db, engine, config },
        { period: values.period, scope: typeof values.scope === 'string' ? values.scope : 'org', title: values.title as string | undefined, commentary: values.commentary as string | undefined },
        { actor: 'cli', now: new Date() },
      )
    } catch (err) {
      if (err instanceof SnapshotInputError) throw new UsageError(`meridian snapshot: --${err.field}: ${err.message}`)
      if (err instanceof ScopeError) throw new UsageError(`meridian snapshot: --scope: ${err.message}`)
      throw err
    }
    const { row, frozen } = taken
    const body = await exportSnapshot(frozen.document, format)
    const out = typeof values.out === 'string' ? values.out : exportFileName(frozen.document, format)
    const summary = `snapshot ${row.id}: ${row.period} ${row.scope}${row.partial ? ' (partial: the period has not ended)' : ''}, ${frozen.document.kpis.length} KPIs, sha256 ${row.contentHash}`
    if (out === '-') {
      process.stdout.write(body)
      printErr(summary)
    } else {
      const { writeFileSync } = await import('node:fs')
      writeFileSync(out, body)
      print(`${summary}\nwrote ${out} (${format}, ${body.length} bytes)`)
    }
    return 0
  } finally {
    await db.close()
  }
}

async function migrate(config: AppConfig, down: boolean): Promise<number> {
  const { migrateAllDown, migrateToLatest } = await migrations()
  const db = await (await database()).connect(config.server)
  try {
    const names = down ? await migrateAllDown(db.db) : await migrateToLatest(db.db)
    print(names.length === 0 ? 'the database schema is current' : `${down ? 'reverted' : 'applied'} ${names.length} migration(s):\n  ${names.join('\n  ')}`)
    return 0
  } finally {
    await db.close()
  }
}

async function demo(config: AppConfig, values: { scale?: string; seed?: string; remove?: boolean }): Promise<number> {
  const scale = values.scale ?? 'small'
  if (scale !== 'small' && scale !== 'large') throw new UsageError(`meridian demo: --scale must be small or large, got "${scale}"`)
  const seed = values.seed === undefined ? 42 : Number(values.seed)
  if (!Number.isInteger(seed)) throw new UsageError(`meridian demo: --seed must be a whole number, got "${values.seed}"`)
  const { loadDemo, removeDemo } = await import('../collectors/demo/load-demo.ts')
  const db = await (await database()).connect(config.server)
  try {
    await (await migrations()).migrateToLatest(db.db)
    if (values.remove) {
      await removeDemo(db.db)
      print('demo organisation removed')
      return 0
    }
    const tty = process.stderr.isTTY
    const r = await loadDemo(db.db, {
      seed,
      scale,
      now: startOfUtcDay(new Date()),
      onProgress: (p: { done: number; total: number; rows: number }) => {
        const line = `demo: ${p.done}/${p.total} repositories, ${p.rows} rows`
        if (tty) process.stderr.write(`\r${line}`)
        else if (p.done === p.total || p.done % 50 === 0) printErr(line)
      },
    })
    if (tty) process.stderr.write('\n')
    print(`demo organisation (seed ${seed}, scale ${scale}) loaded into ${db.kind}: ${r.rows} rows in ${r.seconds.toFixed(1)} s (${Math.round(r.rowsPerSecond)} rows/s)`)
    for (const [table, n] of Object.entries(r.counts)) print(`  ${table.padEnd(24)} ${n}`)
    return 0
  } finally {
    await db.close()
  }
}

async function token(config: AppConfig, values: Values): Promise<number> {
  const [sub, ...rest] = values._
  const { TOKEN_SCOPES } = await import('./auth/principal.ts')
  const service = await import('./auth/token-service.ts')
  const { listApiTokens } = await import('./repositories/api-tokens.repository.ts')
  const usage = 'usage: meridian token create --name NAME [--scope read,ingest,admin] [--team ID] [--expires-days N] | token list | token revoke ID'
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError(usage)
  const ctx = { actor: 'cli', now: new Date() }
  let create: { name: string; scopes: ('read' | 'ingest' | 'admin')[]; teamId: string | null; expiresAt: Date | null } | undefined
  let revokeId: number | undefined
  if (sub === 'create') {
    const name = typeof values.name === 'string' ? values.name.trim() : ''
    if (!name) throw new UsageError(`meridian token create: --name is required\n${usage}`)
    const scopes = String(values.scope ?? 'read').split(',').map((s) => s.trim()).filter(Boolean)
    const bad = scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s))
    if (bad.length > 0 || scopes.length === 0) throw new UsageError(`meridian token create: --scope takes ${TOKEN_SCOPES.join(', ')} (comma-separated), got "${values.scope}"`)
    const team = typeof values.team === 'string' ? values.team : null
    if (team && !config.teams.some((t) => t.id === team)) throw new UsageError(`meridian token create: --team "${team}" is not a configured team`)
    const days = values['expires-days'] === undefined ? null : Number(values['expires-days'])
    if (days !== null && (!Number.isInteger(days) || days < 1)) throw new UsageError(`meridian token create: --expires-days must be a whole number of days ≥ 1, got "${values['expires-days']}"`)
    create = { name, scopes: scopes as ('read' | 'ingest' | 'admin')[], teamId: team, expiresAt: days ? new Date(ctx.now.getTime() + days * 86_400_000) : null }
  } else if (sub === 'revoke') {
    revokeId = Number(rest[0])
    if (!Number.isInteger(revokeId) || revokeId < 1) throw new UsageError(`meridian token revoke: give the token's id (see \`meridian token list\`), got "${rest[0] ?? ''}"`)
  }
  const db = await (await database()).connect(config.server)
  try {
    await (await migrations()).migrateToLatest(db.db)
    if (create) {
      const { token: secret, row } = await service.createApiToken(db.db, create, ctx)
      print(`created token ${row.id} "${row.name}" with scopes ${row.scopes.join(', ')}${row.expires_at ? `, expiring ${row.expires_at.toISOString()}` : ''}.`)
      print('Copy it now — it is not stored and will not be shown again:\n')
      print(`  ${secret}\n`)
      print('Use it as: Authorization: Bearer <token>')
      return 0
    }
    if (revokeId !== undefined) {
      const row = await service.revokeApiTokenById(db.db, revokeId, ctx)
      if (!row) {
        printErr(`meridian token revoke: no token ${revokeId}`)
        return 1
      }
      print(`revoked token ${row.id} "${row.name}"`)
      return 0
    }
    const rows = await listApiTokens(db.db)
    if (rows.length === 0) print('no API tokens')
    for (const r of rows) {
      const state = r.revoked_at ? `revoked ${r.revoked_at.toISOString()}` : r.expires_at && r.expires_at < ctx.now ? 'expired' : 'active'
      print(`${String(r.id).padStart(4)}  ${r.prefix}…  ${r.name.padEnd(24)} ${r.scopes.join(',').padEnd(18)} ${state}${r.last_used_at ? `, last used ${r.last_used_at.toISOString()}` : ''}`)
    }
    return 0
  } finally {
    await db.close()
  }
}

async function collect(config: AppConfig, values: Values): Promise<number> {
  const { collectAll, formatSummary, COLLECTABLE } = await import('../collectors/collect-all.ts')
  const { createProgressRenderer } = await import('../collectors/shared/progress.ts')
  let since: Date | undefined
  if (typeof values.since === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.since) || Number.isNaN(Date.parse(values.since))) {
      throw new UsageError(`meridian collect: --since must be a date like 2026-01-31, got "${values.since}"`)
    }
    since = new Date(`${values.since}T00:00:00Z`)
  }
  const source = typeof values.source === 'string' ? values.source : undefined
  if (source && !COLLECTABLE.includes(source)) throw new UsageError(`meridian collect: --source must be one of ${COLLECTABLE.join(', ')}, got "${source}"`)
  if (!source && collectableSources(config).filter((s) => COLLECTABLE.includes(s)).length === 0) {
    printErr('meridian collect: no source is configured with credentials (see meridian.config.example.yaml); nothing to collect.')
    return 1
  }
  const db = await (await database()).connect(config.server)
  try {
    await (await migrations()).migrateToLatest(db.db)
    const progress = createProgressRenderer(process.stderr)
    // One publish at the end, with the KPI values the dashboard asked for lately precomputed.
    const { collectAndPublish } = await import('./kpis/publish-values.ts')
    // Interrupted, the rows already committed are published (without precomputing) before exiting,
    // so the dashboard does not keep showing values from before the run.
    const { publishDataVersion } = await import('./repositories/data-version.repository.ts')
    const interrupted = (signal: NodeJS.Signals) => {
      printErr(`meridian collect: ${signal}; publishing what was committed and stopping (a re-run resumes)`)
      void publishDataVersion(db.db, '', [])
        .catch(() => undefined)
        .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
    }
    process.once('SIGINT', interrupted)
    process.once('SIGTERM', interrupted)
    const { result: summaries, publish } = await collectAndPublish(
      db.db,
      config,
      () => collectAll(db.db, config, { sources: source ? [source] : undefined, since, full: Boolean(values.full), onProgress: progress.update }),
      { onProgress: (message) => printErr(message) },
    )
    progress.finish()
    for (const s of summaries) print(formatSummary(s))
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    if (publish.version) print(`KPI values: data version ${publish.version}, ${publish.precomputed} of ${publish.hotKeys} recently viewed values precomputed${publish.note ? ` (${publish.note})` : ''}`)
    return summaries.some((s) => s.errors.length > 0) ? 1 : 0
  } finally {
    await db.close()
  }
}
