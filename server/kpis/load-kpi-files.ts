import { join } from 'node:path'
import { FORMULAS } from '../metrics/registry.ts'
import type { Formula } from '../metrics/types.ts'
import { loadSlos } from '../slo/load-slos.ts'
import type { Slo } from '../slo/openslo.ts'
import type { KpiDefinition } from './definition.ts'
import { DEFAULT_DEFINITIONS_DIR, loadDefinitions, type DefinitionProblem } from './load-definitions.ts'

export interface KpiFiles {
  definitions: KpiDefinition[]
  slos: Slo[]
  /** Problems in KPI definitions and in SLO files (named `slos/<file>`). */
  problems: DefinitionProblem[]
}

/** Reads the KPI definitions in `dir` and the OpenSLO files in `dir/slos`, with every problem in either. */
export function loadKpiFiles(dir: string = DEFAULT_DEFINITIONS_DIR, formulas: ReadonlyMap<string, Formula> = FORMULAS): KpiFiles {
  const { definitions, problems } = loadDefinitions(dir, formulas)
  const slos = loadSlos(join(dir, 'slos'))
  for (const p of slos.problems) problems.push({ file: join('slos', p.file), field: p.field, message: p.message })
  return { definitions, slos: slos.slos, problems }
}
