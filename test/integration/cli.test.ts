import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const BIN = fileURLToPath(new URL('../../server/bin/meridian.mjs', import.meta.url))

function meridian(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'meridian-cli-')),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('the meridian command', () => {
  it('prints usage listing every command', () => {
    const r = meridian(['--help'])
    expect(r.code).toBe(0)
    for (const c of ['serve', 'migrate', 'validate', 'collect', 'demo', 'snapshot', 'kpis']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'))
  })

  it.each([
    [['snapshot'], 'meridian snapshot: --period is required'],
    [['snapshot', '--period', '2026-W05'], 'meridian snapshot: --period: expected a month (2026-10) or a quarter (2026-Q3), got "2026-W05"'],
    [['snapshot', '--period', '2026-10', '--format', 'docx'], 'meridian snapshot: --format must be pdf, csv, md or json, got "docx"'],
  ])('%j is a usage error', (args, message) => {
    const r = meridian(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
  })

  it('`collect` says when no source is configured, and checks its options', () => {
    const none = meridian(['collect'])
    expect(none.code).toBe(1)
    expect(none.stderr).toBe('meridian collect: no source is configured with credentials (see meridian.config.example.yaml); nothing to collect.\n')
    const since = meridian(['collect', '--since', 'yesterday'])
    expect(since.code).toBe(2)
    expect(since.stderr).toContain('meridian collect: --since must be a date like 2026-01-31, got "yesterday"')
    const source = meridian(['collect', '--source', 'jira'])
    expect(source.code).toBe(2)
    expect(source.stderr).toContain('meridian collect: --source must be one of github')
  })

  it('rejects an unknown command and an unknown option with exit 2', () => {
    expect(meridian(['deploy']).code).toBe(2)
    const r = meridian(['demo', '--colour', 'red'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("Unknown option '--colour'")
  })

  it('`validate` lists every problem and exits 1', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'meridian-cli-'))
    writeFileSync(join(cwd, 'meridian.config.yaml'), 'teams:\n  - { id: Pay, name: Payments }\nsources:\n  gitlab: {}\n')
    const r = meridian(['validate'], { cwd })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      [
        'The configuration has 2 problems:',
        `  - ${join(cwd, 'meridian.config.yaml')}:2: teams[0].id: expected a lower-case id (e.g. "payments"), got "Pay"`,
        `  - ${join(cwd, 'meridian.config.yaml')}:4: sources.gitlab: unknown key; expected one of: github, pagerduty, incidentio, opsgenie, prometheus`,
        '',
      ].join('\n'),
    )
  })

  it('`validate` accepts a missing file as "no sources configured" and never prints a secret', () => {
    expect(meridian(['validate']).stdout).toContain('no meridian.config.yaml: no sources configured')
    const cwd = mkdtempSync(join(tmpdir(), 'meridian-cli-'))
    writeFileSync(join(cwd, 'meridian.config.yaml'), 'sources:\n  github: { token: "${GITHUB_TOKEN}", repos: [acme/*] }\n')
    const r = meridian(['validate'], { cwd, env: { GITHUB_TOKEN: 'ghp_fake_secret_value' } })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('sources with credentials: github')
    expect(r.stdout + r.stderr).not.toContain('ghp_fake_secret_value')
  })

  it('`validate` names the file, line and field of every bad KPI definition', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'meridian-cli-'))
    const dir = join(cwd, 'kpis')
    mkdirSync(join(dir, 'slos'), { recursive: true })
    const good = readFileSync(fileURLToPath(new URL('../../kpi-definitions/dora.change_failure_rate.yaml', import.meta.url)), 'utf8')
    writeFileSync(join(dir, 'a.yaml'), good)
    writeFileSync(join(dir, 'b.yaml'), good)
    writeFileSync(join(dir, 'c.yaml'), good.replace('id: dora.change_failure_rate', 'id: dora.cfr2').replace('formula: dora.change_failure_rate', 'formula: dora.nope'))
    writeFileSync(join(dir, 'd.yaml'), good.replace('id: dora.change_failure_rate', 'id: dora.cfr3').replace('target: { op: "<=", value: 0.1 }', 'target: { op: "<=" }'))
    writeFileSync(join(dir, 'e.yaml'), good.replace('id: dora.change_failure_rate', 'id: dora.cfr4').replace('board: true', 'board: true\nowner: me'))
    const r = meridian(['validate'], { cwd, env: { MERIDIAN_KPI_DIR: dir } })
    expect(r.code).toBe(1)
    const lines = r.stderr.trim().split('\n')
    expect(lines[0]).toBe('invalid KPI definitions (kpi-definitions/):')
    expect(lines[1]).toBe('  b.yaml:2: id: duplicate id "dora.change_failure_rate" (already defined in a.yaml)')
    expect(lines[2]).toMatch(/^ {2}c\.yaml:\d+: formula: unknown formula id "dora\.nope"; expected one of: delivery\.roadmap_predictability, /)
    expect(lines[3]).toMatch(/^ {2}d\.yaml:\d+: target: expected \{ op: "<=", value: NUMBER \}/)
    expect(lines[4]).toMatch(/^ {2}e\.yaml:\d+: owner: unknown key; expected one of: id, name, /)
    expect(lines).toHaveLength(5)
    expect(meridian(['validate']).stdout).toContain('KPI definitions: 31 valid; SLOs: 3 valid')
  })

  it('`migrate` applies every migration to an embedded database, then reports it current', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'meridian-cli-'))
    const first = meridian(['migrate'], { cwd })
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^applied \d+ migration\(s\):\n {2}0001_create_repository\n/)
    const second = meridian(['migrate'], { cwd })
    expect(second.stdout).toBe('the database schema is current\n')
  })
})

describe('meridian kpis', () => {
  it('prints the numbers GET /api/kpis returns, as a table or JSON', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'meridian-cli-'))
    expect(meridian(['demo'], { cwd }).code).toBe(0)
    const table = meridian(['kpis', '--period', 'quarter', '--scope', 'team:payments'], { cwd })
    expect(table.code).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^team:payments · quarter · \d{4}-\d{2}-\d{2} … \d{4}-\d{2}-\d{2} \(UTC\)$/)
    expect(lines[2]).toMatch(/^KPI +Period +Value +Target +Status +Δ +Level +n +Coverage +Trend$/)
    // A header, a blank line, the column titles, a rule and one row per KPI.
    expect(lines).toHaveLength(4 + 31)
    const json = meridian(['kpis', '--period', 'quarter', '--scope', 'team:payments', '--json'], { cwd })
    const cli = JSON.parse(json.stdout)
    const { connectPGlite } = await import('../../server/db/connect.ts')
    const { buildApp } = await import('../../server/app.ts')
    const { testConfig } = await import('../support/config.ts')
    const db = await connectPGlite(join(cwd, 'data', 'pglite'))
    try {
      const app = await buildApp({ config: testConfig(), db, logger: false })
      const api = (await app.inject({ method: 'GET', url: '/api/kpis?period=quarter&scope=team:payments' })).json()
      await app.close()
      expect(cli).toEqual(api)
      const cfr = cli.kpis.find((k: { kpi: { id: string } }) => k.kpi.id === 'dora.change_failure_rate')
      const row = lines.find((l) => l.startsWith('Change failure rate'))!
      const latest = [...cfr.series].reverse().find((s: { partial: boolean }) => !s.partial)
      expect(row).toContain(` ${latest.label} `)
      expect(row).toContain(` ${(latest.value * 100).toFixed(1)} % `)
      expect(row).toContain(` ${latest.status} `)
    } finally {
      await db.close()
    }
    expect(meridian(['kpis', '--scope', 'team:nope'], { cwd }).stderr).toContain('--scope: team "nope" does not exist')
  }, 120_000)
})

describe('meridian snapshot', () => {
  it('freezes a snapshot of the demo, stores it and writes each format', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'meridian-cli-'))
    expect(meridian(['demo'], { cwd }).code).toBe(0)
    const now = new Date()
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
    const period = `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, '0')}`
    const pdf = meridian(['snapshot', '--period', period, '--scope', 'team:payments', '--commentary', 'Steady quarter.'], { cwd })
    expect(pdf.code, pdf.stderr).toBe(0)
    expect(pdf.stdout).toMatch(new RegExp(String.raw`^snapshot snap-[0-9a-f]{12}: ${period} team:payments, 31 KPIs, sha256 [0-9a-f]{64}\nwrote meridian-${period}-team-payments\.pdf \(pdf, \d+ bytes\)\n$`))
    expect(readFileSync(join(cwd, `meridian-${period}-team-payments.pdf`)).subarray(0, 5).toString()).toBe('%PDF-')
    const md = meridian(['snapshot', '--period', period, '--format', 'md', '--out', '-'], { cwd })
    expect(md.code).toBe(0)
    expect(md.stdout).toMatch(/^# Engineering report \d{4}-\d{2}\n/)
    expect(md.stdout).toContain('## Board summary')
    const json = meridian(['snapshot', '--period', period, '--format', 'json', '--out', join(cwd, 'snap.json')], { cwd })
    expect(json.code).toBe(0)
    const text = readFileSync(join(cwd, 'snap.json'), 'utf8')
    const { createHash } = await import('node:crypto')
    expect(json.stdout).toContain(`sha256 ${createHash('sha256').update(text).digest('hex')}`)
    expect(JSON.parse(text).period.label).toBe(period)
    expect(meridian(['snapshot', '--period', period, '--scope', 'team:nope'], { cwd }).stderr).toContain('--scope: team "nope" does not exist')
  }, 120_000)
})

describe('meridian token', () => {
  it('creates a token shown once, lists it without the secret, and revokes it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'meridian-cli-'))
    const created = meridian(['token', 'create', '--name', 'jenkins', '--scope', 'ingest,read', '--expires-days', '90'], { cwd })
    expect(created.code).toBe(0)
    const token = /^ {2}(mrd_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1]
    expect(token).toBeDefined()
    expect(created.stdout).toMatch(/^created token 1 "jenkins" with scopes ingest, read, expiring \d{4}-\d\d-\d\dT/)

    const listed = meridian(['token', 'list'], { cwd })
    expect(listed.stdout).toMatch(new RegExp(`^ {3}1  ${token!.slice(0, 10)}…  jenkins {18}ingest,read {8}active\n$`))
    expect(listed.stdout).not.toContain(token!)

    expect(meridian(['token', 'revoke', '1'], { cwd }).stdout).toBe('revoked token 1 "jenkins"\n')
    expect(meridian(['token', 'list'], { cwd }).stdout).toMatch(/jenkins +ingest,read +revoked \d{4}-/)
    const missing = meridian(['token', 'revoke', '7'], { cwd })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('meridian token revoke: no token 7\n')
  })

  it.each([
    [['token', 'create'], 'meridian token create: --name is required'],
    [['token', 'create', '--name', 'x', '--scope', 'write'], 'meridian token create: --scope takes read, ingest, admin (comma-separated), got "write"'],
    [['token', 'create', '--name', 'x', '--team', 'ghosts'], 'meridian token create: --team "ghosts" is not a configured team'],
    [['token', 'revoke', 'abc'], 'meridian token revoke: give the token\'s id (see `meridian token list`), got "abc"'],
    [['token', 'rotate'], 'usage: meridian token create'],
  ])('%j is a usage error', (args, message) => {
    const r = meridian(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
  })
})

describe('meridian serve', () => {
  it('refuses to listen beyond loopback without sign-in, saying what to configure', () => {
    const r = meridian(['serve'], { env: { HOST: '0.0.0.0', MERIDIAN_DEMO: 'off' } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('refusing to listen on 0.0.0.0 without sign-in')
    expect(r.stderr).toContain('configure auth.oidc and auth.sessionSecret')
  })

  it('serves, answers /healthz, and shuts down gracefully on SIGTERM', async () => {
    const { spawn } = await import('node:child_process')
    const cwd = mkdtempSync(join(tmpdir(), 'meridian-serve-'))
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', MERIDIAN_DEMO: 'off', MERIDIAN_WEB_DIR: join(cwd, 'no-web'), LOG_LEVEL: 'warn' },
    })
    let stderr = ''
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${stderr}`)), 60_000)
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
        const m = /running at (http:\/\/\S+)/.exec(stderr)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      })
    })
    expect(stderr).toContain('database: pglite')
    const res = await fetch(`${url}/healthz`)
    expect(await res.json()).toEqual({ status: 'ok' })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
