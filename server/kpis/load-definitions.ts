import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { lineOf } from '../config/load-config.ts'
import { keyPath, schemaProblems, type PathProblem } from '../config/validate-file.ts'
import type { Formula } from '../metrics/types.ts'
import { KpiDefinitionSchema, type KpiDefinitionFile, type LevelBoundSpec, type TargetSpec, type WarnSpec } from './definition.schema.ts'
import type { KpiDefinition } from './definition.ts'

/** kpi-definitions/ in the checkout. */
export const DEFAULT_DEFINITIONS_DIR = fileURLToPath(new URL('../../kpi-definitions/', import.meta.url))

/** A problem in a KPI definition file: the file, the line when known, the field and what was expected. */
export interface DefinitionProblem {
  file: string
  line?: number
  field: string
  message: string
}

export interface LoadedDefinitions {
  definitions: KpiDefinition[]
  problems: DefinitionProblem[]
}

/** Formulas computing a value from two entered components (numerator/denominator or actual/plan). */
const TWO_COMPONENT_FORMULAS = new Set(['entered.ratio_of_sums', 'entered.variance_of_sums'])

function measureProblems(spec: TargetSpec | WarnSpec | LevelBoundSpec | undefined, path: (string | number)[], formula: Formula | undefined): PathProblem[] {
  if (!spec || typeof spec !== 'object' || !('of' in spec) || spec.of === undefined || !formula) return []
  const known = formula.measures ?? []
  if (known.includes(spec.of)) return []
  return [{ path: [...path, 'of'], message: `unknown measure "${spec.of}" of formula ${formula.id}; expected one of: ${known.join(', ') || '(it reports none)'}` }]
}

/** Checks the schema cannot express: the formula exists and fits the source, measures exist, bands are ordered. */
function meaningProblems(def: KpiDefinitionFile, formulas: ReadonlyMap<string, Formula>): PathProblem[] {
  const problems: PathProblem[] = []
  const formula = formulas.get(def.formula)
  if (!formula) {
    problems.push({ path: ['formula'], message: `unknown formula id "${def.formula}"; expected one of: ${[...formulas.keys()].sort().join(', ')}` })
  } else if (Boolean(formula.entered) !== (def.source === 'entered')) {
    problems.push({ path: ['source'], message: `formula ${def.formula} is ${formula.entered ? 'entered' : 'computed'}, so source must be ${formula.entered ? 'entered' : 'computed'}` })
  }
  if (TWO_COMPONENT_FORMULAS.has(def.formula) && def.components?.length !== 2) {
    problems.push({ path: ['components'], message: `formula ${def.formula} needs exactly two components, e.g. [spend, budget]` })
  }
  problems.push(...measureProblems(def.target, ['target'], formula), ...measureProblems(def.warn, ['warn'], formula))
  if (def.levels) {
    for (const level of ['elite', 'high', 'medium'] as const) problems.push(...measureProblems(def.levels[level], ['levels', level], formula))
    const bounds = (['elite', 'high', 'medium'] as const).map((l) => {
      const b = def.levels![l]
      return typeof b === 'number' ? b : b.of === undefined ? b.value : null
    })
    if (bounds.every((b) => b !== null)) {
      const [e, h, m] = bounds as number[]
      const ordered = def.direction === 'lower_is_better' ? e! <= h! && h! <= m! : e! >= h! && h! >= m!
      if (!ordered) problems.push({ path: ['levels'], message: `bands must run elite → high → medium ${def.direction === 'lower_is_better' ? 'from low to high' : 'from high to low'} for a ${def.direction} KPI` })
    }
  }
  if (def.warn && def.target && 'op' in def.warn && 'op' in def.target && def.warn.of === def.target.of) {
    const looser = def.direction === 'lower_is_better' ? def.warn.value >= def.target.value : def.warn.value <= def.target.value
    if (!looser) problems.push({ path: ['warn'], message: `the warn band must be looser than the target (${def.target.op} ${def.target.value}) for a ${def.direction} KPI` })
  }
  if (def.warn && def.target && 'trend' in def.target) problems.push({ path: ['warn'], message: 'a trend target has no warn band; remove warn' })
  return problems
}

function toDefinition(def: KpiDefinitionFile, file: string): KpiDefinition {
  return {
    id: def.id,
    name: def.name,
    category: def.category,
    description: def.description.trim(),
    computation: def.computation?.trim() ?? null,
    unit: def.unit,
    direction: def.direction,
    frequency: def.frequency,
    source: def.source,
    formula: def.formula,
    components: def.components ?? null,
    target: def.target,
    warn: def.warn ?? null,
    minSample: def.min_sample ?? 1,
    levels: def.levels ?? null,
    overrides: def.overrides ?? {},
    blueprint: def.blueprint ?? null,
    board: def.board ?? false,
    file,
  }
}

/**
 * Reads every `.yaml`/`.yml` file directly in `dir` (the `slos/` folder holds OpenSLO files and is
 * not read here) as one KPI definition each, validated against the schema and the known formulas.
 * Every problem comes back at once, naming the file, the line, the field and what was expected;
 * a file with a problem contributes no definition. Definitions are sorted by id.
 */
export function loadDefinitions(dir: string, formulas: ReadonlyMap<string, Formula>): LoadedDefinitions {
  const problems: DefinitionProblem[] = []
  const definitions: KpiDefinition[] = []
  let names: string[]
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name)).map((e) => e.name).sort()
  } catch (err) {
    return { definitions, problems: [{ file: dir, field: '(directory)', message: `cannot read the KPI definitions directory: ${(err as Error).message}` }] }
  }
  const seen = new Map<string, string>()
  for (const name of names) {
    const lines = new LineCounter()
    const doc = parseDocument(readFileSync(join(dir, name), 'utf8'), { lineCounter: lines, prettyErrors: true, uniqueKeys: true })
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push({ file: name, line: e.linePos?.[0]?.line, field: '(YAML syntax)', message: e.message.split('\n')[0]! })
      continue
    }
    const data = doc.toJS({ maxAliasCount: 100 }) as unknown
    const found = schemaProblems(KpiDefinitionSchema, data ?? {})
    if (found.length === 0) found.push(...meaningProblems(data as KpiDefinitionFile, formulas))
    const def = data as KpiDefinitionFile
    if (found.length === 0) {
      const first = seen.get(def.id)
      if (first) found.push({ path: ['id'], message: `duplicate id "${def.id}" (already defined in ${first})` })
      else seen.set(def.id, name)
    }
    for (const p of found) problems.push({ file: name, line: lineOf(doc.contents, lines, p.path), field: keyPath(p.path), message: p.message })
    if (found.length === 0) definitions.push(Object.freeze(toDefinition(def, name)))
  }
  definitions.sort((a, b) => a.id.localeCompare(b.id))
  return { definitions, problems }
}

/** Thrown at start-up when a definition file is invalid: lists every problem. */
export class DefinitionsError extends Error {
  constructor(readonly problems: DefinitionProblem[]) {
    super(`invalid KPI definitions:\n${problems.map(formatDefinitionProblem).join('\n')}`)
  }
}

/** `kpi-definitions/dora.lead_time.yaml:7: target.op: expected one of <, <=, >, >=, got "=<"` */
export function formatDefinitionProblem(p: DefinitionProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field}: ${p.message}`
}
