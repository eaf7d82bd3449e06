import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { loadCatalog } from '../catalog/load-catalog.ts'
import { AppError } from '../errors/app-error.ts'
import { type Period, type PeriodKind, parseLocalDate, periodsBetween, periodsEndingAt } from '../metrics/periods.ts'
import { type ResolvedScope, ScopeError, resolveScope } from '../metrics/scope.ts'
import { sloResultsForPeriods } from '../metrics/slo.metrics.ts'
import { objectiveOf, slosInScope } from '../metrics/slo-attainment.ts'
import { currentBurn, sloBudgets } from '../metrics/slo-status.ts'
import { listTeams } from '../repositories/teams.repository.ts'
import { loadSlos } from '../slo/load-slos.ts'
import { ErrorResponse } from './org.schema.ts'
import { type SloItem, SlosQuery, SlosResponse } from './slos.schema.ts'

/** kpi-definitions/slos/ in the checkout. */
export const DEFAULT_SLO_DIR = fileURLToPath(new URL('../../kpi-definitions/slos/', import.meta.url))

export interface SloRoutesOptions {
  /** The OpenSLO directory (default kpi-definitions/slos), read once when the plugin registers. */
  sloDir?: string
}

const DEFAULT_PERIODS = 12

/** The periods asked for: [from, to) in local dates, or the 12 periods ending with the current one (or with `to`). */
function periodsOf(kind: PeriodKind, from: string | undefined, to: string | undefined, timezone: string, now: Date): Period[] {
  const parse = (text: string, name: string) => parseLocalDate(text, timezone) ?? invalid(`${name} must be an ISO date such as 2026-10-01 (got "${text}")`)
  const start = from === undefined ? null : parse(from, 'from')
  const end = to === undefined ? null : parse(to, 'to')
  if (start && end && end <= start) invalid(`to (${to}) must be after from (${from})`)
  if (start && !end && start >= now) invalid(`from (${from}) must be before today, or give to`)
  if (start) return periodsBetween(kind, start, end ?? now, timezone)
  return periodsEndingAt(kind, end ? new Date(end.getTime() - 1) : now, DEFAULT_PERIODS, timezone)
}

function invalid(message: string): never {
  throw new AppError(400, 'invalid_request', message)
}

/**
 * GET /api/slos: every OpenSLO SLO of the scope with its attainment per period, its error budget
 * over its own window as of now (with a daily burn-down), its current burn rates and alert state.
 */
export const sloRoutes: FastifyPluginAsyncTypebox<SloRoutesOptions> = async (app, options) => {
  const { slos, problems } = loadSlos(options.sloDir ?? DEFAULT_SLO_DIR)
  for (const p of problems) app.log.warn({ file: p.file, field: p.field }, `SLO file problem: ${p.message}`)

  app.get(
    '/api/slos',
    {
      config: { access: 'read' },
      schema: {
        tags: ['slos'],
        summary: 'SLOs of a scope: attainment per period, error budget, burn rates and alert state',
        description:
          'Attainment per period counts samples starting in the period. The budget covers the SLO window containing now (rolling: the last duration; calendar: since its boundary). ' +
          'Burn rates over the last 1 h, 6 h and 3 d weigh a sample by its overlap with the window.',
        querystring: SlosQuery,
        response: { 200: SlosResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req) => {
      const { period, scope: scopeText } = req.query
      const db = app.db.db
      const timezone = app.config.timezone
      const now = app.clock()
      const periods = periodsOf(period, req.query.from, req.query.to, timezone, now)
      const [catalog, teams] = await Promise.all([loadCatalog(db, app.config), listTeams(db)])
      let scope: ResolvedScope
      try {
        scope = resolveScope(scopeText, catalog, new Set(teams.map((t) => t.id)))
      } catch (err) {
        if (err instanceof ScopeError) invalid(err.message)
        throw err
      }
      const inScope = slosInScope(scope, slos)
      const [results, budgets, burns] = await Promise.all([
        sloResultsForPeriods(db, inScope, periods, timezone),
        sloBudgets(db, inScope, now),
        currentBurn(db, inScope, now),
      ])
      const items = inScope.map((slo, i): SloItem => {
        const budget = budgets[i]!
        const o = objectiveOf(slo)
        return {
          id: slo.id,
          name: slo.displayName ?? slo.id,
          description: slo.description,
          service: slo.service,
          objective: { displayName: o.displayName, target: o.target, timeSliceTarget: o.timeSliceTarget, timeSliceMinutes: o.timeSliceMinutes },
          budgetingMethod: slo.budgetingMethod,
          window: { kind: slo.timeWindow.kind, duration: slo.timeWindow.duration },
          series: periods.map((p, j) => {
            const r = results[j]![i]!
            return { label: p.label, start: p.start.toISOString(), end: p.end.toISOString(), attainment: r.attainment, burn: r.burn, met: r.met, good: r.totals?.good ?? null, total: r.totals?.total ?? null }
          }),
          current: {
            start: budget.start.toISOString(),
            end: budget.end.toISOString(),
            attainment: budget.attainment,
            budgetUnit: budget.unit,
            budgetTotal: budget.total,
            budgetConsumed: budget.consumed,
            budgetRemaining: budget.remaining,
            burnDown: budget.burnDown.map((b) => ({ at: b.at.toISOString(), remaining: b.remaining })),
          },
          burnRates: burns[i]!.burnRates,
          alert: burns[i]!.alert,
        }
      })
      return { period, scope: scope.key, timezone, periods: periods.map((p) => ({ label: p.label, start: p.start.toISOString(), end: p.end.toISOString() })), slos: items }
    },
  )
}
