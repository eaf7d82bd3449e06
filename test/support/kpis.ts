import type { KpiDefinition } from '../../server/kpis/definition.ts'

/** A KPI definition for tests: a monthly lower-is-better ratio with target ≤ 0.10, unless overridden. */
export function testDefinition(overrides: Partial<KpiDefinition> = {}): KpiDefinition {
  return {
    id: 'test.kpi',
    name: 'Test KPI',
    category: 'reliability',
    description: 'A KPI for tests.',
    computation: null,
    unit: 'ratio',
    direction: 'lower_is_better',
    frequency: ['monthly'],
    source: 'computed',
    formula: 'test.kpi',
    components: null,
    target: { op: '<=', value: 0.1 },
    warn: null,
    minSample: 1,
    levels: null,
    overrides: {},
    blueprint: null,
    board: false,
    file: 'test.kpi.yaml',
    ...overrides,
  }
}
