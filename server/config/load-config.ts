import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { LineCounter, isMap, isSeq, parseDocument, type Node } from 'yaml'
import type { ConfigFile } from './config.schema.ts'
import { ConfigError, type ConfigProblem } from './config-error.ts'
import { interpolate, type UnsetVariable } from './interpolate.ts'
import { keyPath, validateConfigFile } from './validate-file.ts'
import { type AppConfig, type Env, applyDefaults } from './app-config.ts'
import { readServerEnv } from './server-env.ts'

export const DEFAULT_CONFIG_FILE = 'meridian.config.yaml'

/** Where the config file is: `MERIDIAN_CONFIG` if set, else meridian.config.yaml in the working directory. */
export function configPath(env: Env, cwd: string): { path: string; explicit: boolean } {
  const given = env.MERIDIAN_CONFIG
  if (given) return { path: isAbsolute(given) ? given : resolve(cwd, given), explicit: true }
  return { path: resolve(cwd, DEFAULT_CONFIG_FILE), explicit: false }
}

const REFERENCE = /\$\$|\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}/g
const PROTECTED = /MERIDIANENV_([0-9a-f]+)_/g

/**
 * `${VAR}` is not valid inside a YAML flow mapping (`{ token: ${X} }`, as DESIGN §6 writes it),
 * so references are swapped for plain alphanumeric placeholders before parsing and restored in
 * the parsed strings afterwards. Line numbers are unchanged, and env values are never parsed as YAML.
 */
function protectReferences(text: string): string {
  return text.replace(REFERENCE, (ref) => (ref === '$$' ? ref : `MERIDIANENV_${Buffer.from(ref).toString('hex')}_`))
}

function restoreReferences(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(PROTECTED, (_, hex: string) => Buffer.from(hex, 'hex').toString())
  if (Array.isArray(value)) return value.map(restoreReferences)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restoreReferences(v)]))
  }
  return value
}

/** The 1-based line of the node at a key path, or of its nearest ancestor the file has. */
export function lineOf(root: Node | null, lines: LineCounter, path: (string | number)[]): number | undefined {
  let node: unknown = root
  let found: Node | undefined = root ?? undefined
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key)
      if (!pair) break
      node = pair.value ?? pair.key
      found = (pair.value ?? pair.key) as Node
      if (!pair.value) break
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key]
      if (!node) break
      found = node as Node
    } else break
  }
  const offset = found?.range?.[0]
  return offset === undefined ? undefined : lines.linePos(offset).line
}

/**
 * Parses YAML text into a config tree: every problem (syntax, schema, meaning) comes back at once,
 * each with the file, line, key path and what was expected.
 */
export function parseConfigText(text: string, file: string, env: Env): { config: ConfigFile; problems: ConfigProblem[] } {
  const lines = new LineCounter()
  const doc = parseDocument(protectReferences(text), { lineCounter: lines, prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    return {
      config: {},
      problems: doc.errors.map((e) => ({
        where: file,
        line: e.linePos?.[0]?.line,
        path: '(YAML syntax)',
        message: e.message.split('\n')[0]!,
      })),
    }
  }
  const unset: UnsetVariable[] = []
  const raw = restoreReferences(doc.toJS({ maxAliasCount: 100 }) ?? {})
  const data = interpolate(raw, env, unset)
  const problems = validateConfigFile(data, unset).map((p) => ({
    where: file,
    line: lineOf(doc.contents, lines, p.path),
    path: keyPath(p.path),
    message: p.message,
  }))
  problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity))
  return { config: data as ConfigFile, problems }
}

/**
 * Reads and validates the configuration file and the server environment once, into a frozen
 * object. A missing default file means "no sources configured"; a missing file named by
 * MERIDIAN_CONFIG is an error. Throws ConfigError listing every problem.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): AppConfig {
  const { path, explicit } = configPath(env, cwd)
  const problems: ConfigProblem[] = []
  let file: ConfigFile = {}
  let loadedFrom: string | null = null
  if (existsSync(path)) {
    const parsed = parseConfigText(readFileSync(path, 'utf8'), path, env)
    problems.push(...parsed.problems)
    file = parsed.config
    loadedFrom = path
  } else if (explicit) {
    problems.push({ where: 'environment', path: 'MERIDIAN_CONFIG', message: `file not found: ${path}` })
  }
  const server = readServerEnv(env, cwd)
  problems.push(...server.problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return applyDefaults(file, server.settings, loadedFrom)
}
