import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, parseConfigText } from '../../server/config/load-config.ts'
import { ConfigError, formatProblem } from '../../server/config/config-error.ts'
import { interpolate } from '../../server/config/interpolate.ts'

const messages = (text: string, env: Record<string, string> = {}) =>
  parseConfigText(text, 'meridian.config.yaml', env).problems.map(formatProblem)

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'meridian-config-'))
}

describe('interpolate', () => {
  it.each([
    ['${A}', { A: 'x' }, 'x'],
    ['pre-${A}-post', { A: 'x' }, 'pre-x-post'],
    ['${A:-fallback}', {}, 'fallback'],
    ['$${A}', { A: 'x' }, '${A}'],
    ['${A}', {}, undefined],
  ] as const)('%s with %o → %s', (input, env, expected) => {
    expect(interpolate(input, env)).toBe(expected)
  })

  it('drops keys whose only content is an unset variable and remembers where', () => {
    const unset: { path: (string | number)[]; name: string }[] = []
    expect(interpolate({ a: { token: '${NOPE}', keep: 1 } }, {}, unset)).toEqual({ a: { keep: 1 } })
    expect(unset).toEqual([{ path: ['a', 'token'], name: 'NOPE' }])
  })

  it('never lets a secret change the document structure', () => {
    const tree = interpolate({ token: '${T}' }, { T: 'x\nrepos: [evil/*]' })
    expect(tree).toEqual({ token: 'x\nrepos: [evil/*]' })
  })
})

describe('parseConfigText', () => {
  it('accepts the shipped example file with every key of DESIGN §6', () => {
    const text = readFileSync(new URL('../../meridian.config.example.yaml', import.meta.url), 'utf8')
    const { config, problems } = parseConfigText(text, 'meridian.config.example.yaml', { GITHUB_TOKEN: 'ghp_fake_token' })
    expect(problems).toEqual([])
    expect(config.sources?.github?.token).toBe('ghp_fake_token')
    expect(config.sources?.pagerduty?.token).toBeUndefined()
    expect(config.teams?.map((t) => t.id)).toEqual(['payments', 'platform'])
  })

  it('lists every problem at once with line, key path and what was expected', () => {
    const text = [
      'timezone: Mars/Olympus', // 1
      'teams:', // 2
      '  - id: Payments Team', // 3
      '    name: Payments', // 4
      '    repos: [acme]', // 5
      'sources:', // 6
      '  github:', // 7
      '    token: ${GITHUB_TOKEN}', // 8
      '    repos: [acme/*]', // 9
      '    colour: blue', // 10
      '  pagerduty:', // 11
      '    severity: { P1: critical }', // 12
      'attribution: { incidentWindowHours: -1 }', // 13
    ].join('\n')
    expect(messages(text, { GITHUB_TOKEN: 't' })).toEqual([
      'meridian.config.yaml:1: timezone: expected an IANA time zone (e.g. "Europe/Berlin"), got "Mars/Olympus"',
      'meridian.config.yaml:3: teams[0].id: expected a lower-case id (e.g. "payments"), got "Payments Team"',
      'meridian.config.yaml:5: teams[0].repos[0]: expected owner/name or owner/* (e.g. "acme/payments-api"), got "acme"',
      'meridian.config.yaml:10: sources.github.colour: unknown key; expected one of: baseUrl, token, app, repos, production, deployments, services, labels, adoption, webhookSecret',
      'meridian.config.yaml:12: sources.pagerduty.severity.P1: expected one of sev1, sev2, sev3, sev4, sev5, got "critical"',
      'meridian.config.yaml:13: attribution.incidentWindowHours: expected a number greater than 0, got number -1',
    ])
  })

  it('says when a required value is missing because its variable is unset', () => {
    expect(messages('sources:\n  prometheus:\n    url: ${PROM_URL}\n')).toEqual([
      'meridian.config.yaml:3: sources.prometheus.url: is required, but ${PROM_URL} is not set, expected an http(s) URL (e.g. "https://api.github.com")',
    ])
  })

  it('reports duplicate team ids, a broken production pattern and a role for an unknown team', () => {
    const text = [
      'teams:',
      '  - { id: a, name: A }',
      '  - { id: a, name: A again }',
      'sources:',
      '  github: { repos: [acme/*], production: "prod(" }',
      'auth:',
      '  oidc: { issuer: "https://login.example.com", clientId: m, roles: { team: { b: [g] } } }',
    ].join('\n')
    expect(messages(text)).toEqual([
      'meridian.config.yaml:3: teams[1].id: duplicate team id "a" (first used by teams[0])',
      'meridian.config.yaml:5: sources.github.production: expected a regular expression (e.g. "^prod(uction)?$"), got "prod(": Invalid regular expression: /prod(/i: Unterminated group',
      'meridian.config.yaml:7: auth.oidc.roles.team.b: no team with id "b" in teams',
    ])
  })

  it('reports YAML syntax errors with their line', () => {
    const problems = parseConfigText('teams:\n  - id: a\n   name: b\n', 'f.yaml', {}).problems
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ where: 'f.yaml', line: 3, path: '(YAML syntax)' })
  })

  it('accepts ${VAR} inside a flow mapping, as DESIGN §6 writes it', () => {
    const { config, problems } = parseConfigText('sources:\n  opsgenie: { token: ${OG}, baseUrl: "https://x.example" }\n', 'f.yaml', { OG: 'k{e}y' })
    expect(problems).toEqual([])
    expect(config.sources?.opsgenie?.token).toBe('k{e}y')
  })

  it('rejects a list where a mapping is expected', () => {
    expect(messages('sources: [github]\n')).toEqual(['meridian.config.yaml:1: sources: expected a mapping, got a list'])
  })
})

describe('loadConfig', () => {
  it('treats a missing default file as "no sources configured" and applies every default', () => {
    const config = loadConfig({}, tempDir())
    expect(config.file).toBeNull()
    expect(config.sources).toEqual({})
    expect(config.timezone).toBe('UTC')
    expect(config.attribution).toEqual({ incidentWindowHours: 24, maxLookbackDays: 14 })
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 3000, databaseUrl: null })
    expect(Object.isFrozen(config.server)).toBe(true)
  })

  it('fails when MERIDIAN_CONFIG names a file that does not exist', () => {
    expect(() => loadConfig({ MERIDIAN_CONFIG: 'nope.yaml' }, '/tmp')).toThrow('environment: MERIDIAN_CONFIG: file not found: /tmp/nope.yaml')
  })

  it('lists file and environment problems together', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'meridian.config.yaml'), 'schedule: { collect: "often" }\n')
    let error: ConfigError | undefined
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' }, dir)
    } catch (err) {
      error = err as ConfigError
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect(error!.message).toBe(
      [
        'The configuration has 3 problems:',
        `  - ${join(dir, 'meridian.config.yaml')}:1: schedule.collect: expected a 5-field cron expression (e.g. "*/15 * * * *"), got "often"`,
        '  - environment: PORT: expected a port number from 0 to 65535 (e.g. 3000), got "eighty"',
        '  - environment: DATABASE_URL: expected a PostgreSQL URL (e.g. postgres://user@127.0.0.1:5432/meridian)',
      ].join('\n'),
    )
  })

  it('applies source defaults and keeps configured labels merged over the defaults', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'm.yaml'), 'sources:\n  github:\n    token: ${T}\n    repos: [acme/*]\n    labels: { bug: [defect], severity: { sev1: [p0] } }\n')
    const config = loadConfig({ MERIDIAN_CONFIG: 'm.yaml', T: 'secret' }, dir)
    const gh = config.sources.github!
    expect(gh.baseUrl).toBe('https://api.github.com')
    expect(gh.deployments).toEqual({ from: ['deployments', 'workflow_runs'], workflows: ['deploy.yml'], branch: 'main' })
    expect(gh.labels.bug).toEqual(['defect'])
    expect(gh.labels.hotfix).toEqual(['hotfix'])
    expect(gh.labels.severity).toEqual({ sev1: ['p0'], sev2: ['sev2', 'P2'], sev3: ['sev3'], sev4: ['sev4'], sev5: ['sev5'] })
  })
})
