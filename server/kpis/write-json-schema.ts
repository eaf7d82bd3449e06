import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KpiDefinitionSchema } from './definition.schema.ts'

/** kpi-definitions/kpi-definition.schema.json: the definition schema for editor completion. */
export const JSON_SCHEMA_FILE = fileURLToPath(new URL('../../kpi-definitions/kpi-definition.schema.json', import.meta.url))

/** The published JSON Schema text (draft 2020-12 compatible; TypeBox schemas are JSON Schema). */
export function kpiDefinitionJsonSchema(): string {
  const { $id, ...rest } = JSON.parse(JSON.stringify(KpiDefinitionSchema)) as Record<string, unknown>
  return `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id, ...rest }, null, 2)}\n`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  writeFileSync(JSON_SCHEMA_FILE, kpiDefinitionJsonSchema())
  process.stdout.write(`wrote ${JSON_SCHEMA_FILE}\n`)
}
