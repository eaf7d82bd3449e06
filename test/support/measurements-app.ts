import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Db } from '../../server/db/connect.ts'
import { HTTP_OPTIONS, validatorCompiler } from '../../server/http-options.ts'
import type { KpiDefinition } from '../../server/kpis/definition.ts'
import { registerAuth } from '../../server/plugins/auth.ts'
import { registerErrorHandler, registerNotFound } from '../../server/plugins/error-handler.ts'
import { registerSecurity } from '../../server/plugins/security.ts'
import { measurementRoutes } from '../../server/routes/measurements.route.ts'

/**
 * The app as buildApp assembles it (validation, error handler, security, auth, OpenAPI), with only
 * the measurement routes, mounted on hand-made KPI definitions instead of kpi-definitions/.
 */
export async function buildMeasurementsApp(options: { config: AppConfig; db: Db; clock: () => Date; definitions: readonly KpiDefinition[] }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...HTTP_OPTIONS, trustProxy: false }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.decorate('config', options.config)
  app.decorate('db', options.db)
  app.decorate('clock', options.clock)
  registerErrorHandler(app)
  await registerSecurity(app)
  await registerAuth(app)
  await app.register(swagger, { openapi: { info: { title: 'test', version: '0' } } })
  await app.register(measurementRoutes, { definitions: new Map(options.definitions.map((d) => [d.id, d])) })
  registerNotFound(app)
  return app
}

/** A KPI definition as the loader would produce it, for tests. */
export function definition(over: Partial<KpiDefinition> & Pick<KpiDefinition, 'id' | 'formula'>): KpiDefinition {
  return {
    name: over.id,
    category: 'cost',
    description: 'test KPI',
    computation: null,
    unit: 'ratio',
    direction: 'lower_is_better',
    frequency: ['monthly'],
    source: 'entered',
    components: null,
    target: { trend: 'down' },
    warn: null,
    minSample: 1,
    levels: null,
    overrides: {},
    blueprint: null,
    board: false,
    file: `${over.id}.yaml`,
    ...over,
  }
}

/** The entered KPIs of the demo, defined as the README describes them. */
export const ENTERED_DEFINITIONS: readonly KpiDefinition[] = [
  definition({ id: 'cost.cloud_spend_vs_budget', formula: 'entered.variance_of_sums', components: ['spend', 'budget'] }),
  definition({ id: 'cost.unit_cost', formula: 'entered.ratio_of_sums', components: ['cost', 'units'], unit: 'currency' }),
  definition({ id: 'people.hiring_attainment', formula: 'entered.ratio_of_sums', components: ['hired', 'planned'], category: 'people', direction: 'higher_is_better' }),
  definition({ id: 'people.time_to_fill', formula: 'entered.mean', unit: 'days', category: 'people' }),
  definition({ id: 'people.regretted_attrition', formula: 'entered.ratio_of_sums', components: ['regretted', 'headcount'], category: 'people' }),
  definition({ id: 'outcomes.stakeholder_satisfaction', formula: 'entered.mean', unit: 'score', category: 'people', direction: 'higher_is_better' }),
  definition({ id: 'security.audit_findings', formula: 'entered.sum', unit: 'count', category: 'security' }),
  definition({ id: 'dora.lead_time', formula: 'dora.lead_time', unit: 'hours', category: 'delivery', source: 'computed' }),
]
