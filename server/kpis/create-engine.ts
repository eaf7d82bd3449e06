import type { Kysely } from 'kysely'
import type { AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import { KpiEngine } from '../metrics/kpi-engine.ts'
import { FORMULAS } from '../metrics/registry.ts'
import { DefinitionsError } from './load-definitions.ts'
import { loadKpiFiles } from './load-kpi-files.ts'

/**
 * The KPI engine over the definitions and SLOs in `definitionsDir` (default kpi-definitions/).
 * Throws DefinitionsError listing every problem when a file is invalid: the server does not start.
 */
export function createKpiEngine(args: { db: Kysely<Database>; config: AppConfig; clock: () => Date; definitionsDir?: string }): KpiEngine {
  const files = loadKpiFiles(args.definitionsDir ?? args.config.server.definitionsDir ?? undefined)
  if (files.problems.length > 0) throw new DefinitionsError(files.problems)
  return new KpiEngine({ db: args.db, config: args.config, definitions: files.definitions, formulas: FORMULAS, slos: files.slos, clock: args.clock })
}
