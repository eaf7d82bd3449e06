import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatDefinitionProblem, loadDefinitions } from '../../server/kpis/load-definitions.ts'
import { loadKpiFiles } from '../../server/kpis/load-kpi-files.ts'
import { JSON_SCHEMA_FILE, kpiDefinitionJsonSchema } from '../../server/kpis/write-json-schema.ts'
import type { Formula } from '../../server/metrics/types.ts'

const FORMULAS = new Map<string, Formula>([
  ['dora.change_failure_rate', { id: 'dora.change_failure_rate', compute: async () => [] }],
  ['dora.deployment_frequency', { id: 'dora.deployment_frequency', measures: ['weekly_deploy_days_median'], compute: async () => [] }],
  ['entered.variance_of_sums', { id: 'entered.variance_of_sums', entered: true, compute: async () => [] }],
])

const VALID = `id: dora.change_failure_rate
name: Change failure rate
category: reliability
description: Share of production deployments that caused a failure.
unit: ratio
direction: lower_is_better
frequency: [monthly]
source: computed
formula: dora.change_failure_rate
target: { op: "<=", value: 0.10 }
warn:   { op: "<=", value: 0.15 }
min_sample: 5
levels: { elite: 0.05, high: 0.10, medium: 0.15 }
overrides: { team:payments: { target: { op: "<=", value: 0.05 } } }
`

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-kpis-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const problemsOf = (files: Record<string, string>) => loadDefinitions(dirWith(files), FORMULAS).problems.map(formatDefinitionProblem)

describe('KPI definition files', () => {
  it('reads a valid file (the DESIGN §5 example) with its override', () => {
    const { definitions, problems } = loadDefinitions(dirWith({ 'cfr.yaml': VALID }), FORMULAS)
    expect(problems).toEqual([])
    expect(definitions).toHaveLength(1)
    expect(definitions[0]).toMatchObject({ id: 'dora.change_failure_rate', minSample: 5, target: { op: '<=', value: 0.1 }, overrides: { 'team:payments': { target: { op: '<=', value: 0.05 } } } })
  })

  it('rejects an unknown formula id, naming the file, line and field', () => {
    expect(problemsOf({ 'cfr.yaml': VALID.replace('formula: dora.change_failure_rate', 'formula: dora.change_failure') })).toEqual([
      'cfr.yaml:9: formula: unknown formula id "dora.change_failure"; expected one of: dora.change_failure_rate, dora.deployment_frequency, entered.variance_of_sums',
    ])
  })

  it('rejects a malformed target', () => {
    const [problem] = problemsOf({ 'cfr.yaml': VALID.replace('target: { op: "<=", value: 0.10 }', 'target: { op: "=<", value: ten }') })
    expect(problem).toMatch(/^cfr\.yaml:10: target: expected \{ op: "<=", value: NUMBER \}, \{ trend: up \| down \} or \{ level: elite \| high \| medium \}/)
  })

  it('rejects a duplicate id, naming both files', () => {
    expect(problemsOf({ 'a.yaml': VALID, 'b.yaml': VALID })).toEqual(['b.yaml:1: id: duplicate id "dora.change_failure_rate" (already defined in a.yaml)'])
  })

  it('rejects an unknown field', () => {
    const [problem] = problemsOf({ 'cfr.yaml': `${VALID}treshold: 3\n` })
    expect(problem).toMatch(/^cfr\.yaml:15: treshold: unknown key; expected one of: id, name, category/)
  })

  it('rejects a source that does not fit the formula, an unknown measure, unordered bands and a tighter warn band', () => {
    const problems = problemsOf({
      'x.yaml': VALID.replace('source: computed', 'source: entered')
        .replace('levels: { elite: 0.05, high: 0.10, medium: 0.15 }', 'levels: { elite: 0.15, high: 0.10, medium: 0.05 }')
        .replace('warn:   { op: "<=", value: 0.15 }', 'warn:   { op: "<=", value: 0.08 }'),
      'y.yaml': VALID.replace('dora.change_failure_rate\nname', 'dora.deployment_frequency\nname')
        .replace('formula: dora.change_failure_rate', 'formula: dora.deployment_frequency')
        .replace('levels: { elite: 0.05, high: 0.10, medium: 0.15 }', 'levels: { elite: { op: ">=", value: 5, of: weekly_days }, high: 0.10, medium: 0.15 }'),
    })
    expect(problems).toEqual([
      'x.yaml:8: source: formula dora.change_failure_rate is computed, so source must be computed',
      'x.yaml:13: levels: bands must run elite → high → medium from low to high for a lower_is_better KPI',
      'x.yaml:11: warn: the warn band must be looser than the target (<= 0.1) for a lower_is_better KPI',
      'y.yaml:13: levels.elite.of: unknown measure "weekly_days" of formula dora.deployment_frequency; expected one of: weekly_deploy_days_median',
    ])
  })

  it('reports YAML syntax errors with their line', () => {
    const [problem] = problemsOf({ 'bad.yaml': 'id: a.b\nname: [unclosed\n' })
    expect(problem).toMatch(/^bad\.yaml:\d+: \(YAML syntax\): /)
  })
})

describe('the shipped definitions', () => {
  const { definitions, slos, problems } = loadKpiFiles()

  it('are all valid, with the SLO files', () => {
    expect(problems.map(formatDefinitionProblem)).toEqual([])
    expect(slos.map((s) => s.id).sort()).toEqual(['checkout-web-latency', 'identity-api-availability', 'payments-api-availability'])
  })

  it("cover every row of the CTO blueprint and DORA's five keys", () => {
    const rows = new Set(definitions.flatMap((d) => (d.blueprint ? [d.blueprint] : [])))
    expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    const ids = definitions.map((d) => d.id)
    for (const id of [
      'dora.deployment_frequency', 'dora.lead_time', 'dora.change_failure_rate', 'dora.recovery_time', 'dora.rework_rate',
      'productivity.pr_cycle_time', 'productivity.review_pickup_time', 'productivity.build_time', 'productivity.time_to_first_deploy',
      'slo.compliance', 'slo.error_budget_burn',
    ]) expect(ids).toContain(id)
    expect(definitions).toHaveLength(31)
  })

  it('keep the DORA level bands of DESIGN §4', () => {
    const byId = new Map(definitions.map((d) => [d.id, d]))
    expect(byId.get('dora.change_failure_rate')!.levels).toEqual({ elite: 0.05, high: 0.1, medium: 0.15 })
    expect(byId.get('dora.lead_time')!.levels).toEqual({ elite: { op: '<', value: 24 }, high: { op: '<', value: 168 }, medium: { op: '<', value: 720 } })
    expect(byId.get('dora.recovery_time')!.levels).toEqual({ elite: { op: '<', value: 1 }, high: { op: '<', value: 24 }, medium: { op: '<', value: 168 } })
  })

  it('publish an up-to-date JSON Schema (run `npm run schema` after changing the schema)', () => {
    expect(readFileSync(JSON_SCHEMA_FILE, 'utf8')).toBe(kpiDefinitionJsonSchema())
  })
})
