import { type TSchema, Kind } from '@sinclair/typebox'
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value'
import { type ConfigFile, ConfigFileSchema } from './config.schema.ts'
import type { UnsetVariable } from './interpolate.ts'

/** A problem located by key path; the loader adds the file and line. */
export interface PathProblem {
  path: (string | number)[]
  message: string
}

/** Renders `['sources', 'github', 'repos', 0]` as `sources.github.repos[0]`. */
export function keyPath(path: (string | number)[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`
  return out === '' ? '(top level)' : out
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return JSON.stringify(value)
  return `${typeof value} ${String(value)}`
}

function expected(schema: TSchema): string {
  if (typeof schema.description === 'string') {
    const ex = Array.isArray(schema.examples) && schema.examples.length > 0 ? ` (e.g. ${JSON.stringify(schema.examples[0])})` : ''
    return `${schema.description}${ex}`
  }
  switch (schema[Kind]) {
    case 'String':
      return schema.minLength ? 'a non-empty string' : 'a string'
    case 'Number':
      return 'a number'
    case 'Integer':
      return 'a whole number'
    case 'Boolean':
      return 'true or false'
    case 'Array':
      return 'a list'
    case 'Object':
    case 'Record':
      return 'a mapping'
    case 'Literal':
      return JSON.stringify(schema.const)
    default:
      return 'a valid value'
  }
}

function schemaAt(root: TSchema, path: (string | number)[]): TSchema | undefined {
  let s: TSchema | undefined = root
  for (const p of path) {
    if (!s) return undefined
    if (s[Kind] === 'Object') s = s.properties?.[p as string]
    else if (s[Kind] === 'Array') s = s.items
    else if (s[Kind] === 'Record') s = Object.values(s.patternProperties ?? {})[0] as TSchema | undefined
    else return undefined
  }
  return s
}

function toPath(pointer: string): (string | number)[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg))
}

function message(root: TSchema, e: ValueError, path: (string | number)[], unset: UnsetVariable[]): string {
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const parent = schemaAt(root, path.slice(0, -1))
      const known = parent?.[Kind] === 'Object' ? Object.keys(parent.properties ?? {}) : []
      return `unknown key; expected one of: ${known.join(', ')}`
    }
    case ValueErrorType.ObjectRequiredProperty: {
      const reason = unset.find((u) => keyPath(u.path) === keyPath(path))
      const s = schemaAt(root, path)
      const what = s ? `, expected ${expected(s)}` : ''
      return reason ? `is required, but $\{${reason.name}} is not set${what}` : `is required${what}`
    }
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringMinLength:
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.ArrayMinItems:
    case ValueErrorType.Union:
      return `expected ${e.type === ValueErrorType.ArrayMinItems ? 'a non-empty list' : expected(e.schema)}${boundsOf(e)}, got ${describe(e.value)}`
    default:
      return `expected ${expected(e.schema)}, got ${describe(e.value)}`
  }
}

function boundsOf(e: ValueError): string {
  if (e.type === ValueErrorType.NumberExclusiveMinimum) return ` greater than ${e.schema.exclusiveMinimum}`
  if (e.type === ValueErrorType.NumberMaximum) return ` at most ${e.schema.maximum}`
  return ''
}

/** Checks TypeBox cannot express: regular expressions compile, the time zone exists, ids are unique. */
function semanticProblems(file: ConfigFile): PathProblem[] {
  const problems: PathProblem[] = []
  if (typeof file.timezone === 'string') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: file.timezone })
    } catch {
      problems.push({ path: ['timezone'], message: `expected an IANA time zone (e.g. "Europe/Berlin"), got ${JSON.stringify(file.timezone)}` })
    }
  }
  const production = file.sources?.github?.production
  if (typeof production === 'string') {
    try {
      new RegExp(production, 'i')
    } catch (err) {
      problems.push({ path: ['sources', 'github', 'production'], message: `expected a regular expression (e.g. "^prod(uction)?$"), got ${JSON.stringify(production)}: ${(err as Error).message}` })
    }
  }
  const seen = new Map<string, number>()
  const teams = Array.isArray(file.teams) ? file.teams : []
  teams.forEach((team, i) => {
    if (typeof team?.id !== 'string') return
    const first = seen.get(team.id)
    if (first !== undefined) problems.push({ path: ['teams', i, 'id'], message: `duplicate team id "${team.id}" (first used by teams[${first}])` })
    else seen.set(team.id, i)
  })
  const github = file.sources?.github
  if (github && typeof github === 'object' && github.token && github.app) {
    problems.push({ path: ['sources', 'github', 'app'], message: 'give either token or app, not both' })
  }
  const teamRoles = file.auth?.oidc?.roles?.team
  for (const teamId of teamRoles && typeof teamRoles === 'object' ? Object.keys(teamRoles) : []) {
    if (!seen.has(teamId)) {
      problems.push({ path: ['auth', 'oidc', 'roles', 'team', teamId], message: `no team with id "${teamId}" in teams` })
    }
  }
  return problems
}

/**
 * Every schema problem in `data`, at most one per key path, each saying what was expected there
 * (shared by the config file and the KPI definition files).
 */
export function schemaProblems(schema: TSchema, data: unknown, unset: UnsetVariable[] = []): PathProblem[] {
  const problems: PathProblem[] = []
  const seen = new Set<string>()
  for (const e of Value.Errors(schema, data)) {
    const path = toPath(e.path)
    const key = keyPath(path)
    // A union reports each branch's failure too; one message per key path is enough.
    if (seen.has(key) || [...seen].some((s) => key.startsWith(`${s}.`) || key.startsWith(`${s}[`))) continue
    seen.add(key)
    problems.push({ path, message: message(schema, e, path, unset) })
  }
  return problems
}

/** Validates an interpolated config tree; returns every problem found, at most one per key path. */
export function validateConfigFile(data: unknown, unset: UnsetVariable[] = []): PathProblem[] {
  const problems = schemaProblems(ConfigFileSchema, data, unset)
  const seen = new Set(problems.map((p) => keyPath(p.path)))
  if (data && typeof data === 'object') {
    for (const p of semanticProblems(data as ConfigFile)) if (!seen.has(keyPath(p.path))) problems.push(p)
  }
  return problems
}
