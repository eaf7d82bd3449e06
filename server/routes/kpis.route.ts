import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { AppError } from '../errors/app-error.ts'
import { kpiEntry, kpiListResponse, rangeOf } from '../kpis/present.ts'
import { ResponseCache } from '../kpis/response-cache.ts'
import { UnknownKpiError, type KpiEngine } from '../metrics/kpi-engine.ts'
import { parseLocalDate } from '../metrics/periods.ts'
import { ScopeError } from '../metrics/scope.ts'
import { ErrorResponse } from './org.schema.ts'
import { KpiListResponse, KpiParams, KpiQuery, KpiResponse, RecordsQuery, RecordsResponse } from './kpis.schema.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Computes KPI series (server/metrics/kpi-engine.ts). */
    kpis: KpiEngine
  }
}

/** An ISO date is local midnight in the configured zone; a date-time is taken as written. */
function instant(text: string | undefined, timezone: string, field: string): Date | undefined {
  if (text === undefined) return undefined
  const d = text.length === 10 ? parseLocalDate(text, timezone) : new Date(text)
  if (!d || Number.isNaN(d.getTime())) throw new AppError(400, 'invalid_request', `${field}: expected an ISO date such as 2026-01-01, got "${text}"`)
  return d
}

/** Maps the engine's input errors to 400 / 404. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof ScopeError) throw new AppError(400, 'invalid_request', err.message)
    if (err instanceof UnknownKpiError) throw new AppError(404, 'not_found', err.message)
    throw err
  }
}

/**
 * The KPI API (DESIGN §7): every KPI's series with status against its target per period and
 * scope, one KPI's series, and the records behind one value.
 */
export const kpiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse }
  // The dashboard asks the same questions over and over: identical requests at an unchanged data
  // version get the same bytes. A write bumps the version, so nothing stale is ever served.
  const responses = new ResponseCache()
  const cachedJson = async (reply: FastifyReply, url: string, make: (version: string) => Promise<unknown>) => {
    const version = await app.kpis.dataVersion()
    const body = await responses.get(url, version, async () => JSON.stringify(await make(version)))
    return reply.type('application/json; charset=utf-8').send(body)
  }

  const request = (q: KpiQuery, ids?: readonly string[]) => {
    const from = instant(q.from, app.kpis.timezone, 'from')
    const to = instant(q.to, app.kpis.timezone, 'to')
    if (from && to && to <= from) throw new AppError(400, 'invalid_request', 'to: must be after from')
    if (from && to && to.getTime() - from.getTime() > 10 * 366 * 86_400_000) throw new AppError(400, 'invalid_request', 'from..to: at most 10 years at once')
    return { ids, scope: q.scope ?? 'org', period: q.period ?? 'month', from, to, compare: q.compare === 'year' ? ('year' as const) : undefined }
  }

  app.get(
    '/api/kpis',
    {
      config: { access: 'read' },
      schema: {
        tags: ['kpis'],
        summary: 'Every KPI with its series, status, level and delta per period',
        description:
          'Periods are ISO weeks, months or quarters in the configured timezone. Without from/to: the current period and the 11 before it. ' +
          'A KPI that fails to compute carries `error` and an empty series; the others are unaffected.',
        querystring: KpiQuery,
        response: { 200: KpiListResponse, ...errors },
      },
    },
    async (req, reply) => {
      const q = req.query
      let ids = q.ids?.split(',').map((s) => s.trim()).filter(Boolean)
      if (q.category) ids = (ids ?? app.kpis.definitions.map((d) => d.id)).filter((id) => app.kpis.definition(id)?.category === q.category)
      const input = request(q, ids)
      return cachedJson(reply, req.url, async (version) => kpiListResponse(await guarded(() => app.kpis.series({ ...input, version }))))
    },
  )

  app.get(
    '/api/kpis/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['kpis'],
        summary: 'One KPI: its definition and series `{ kpi, series: [{ start, end, value, sampleSize, coverage?, status, level? }] }`',
        params: KpiParams,
        querystring: KpiQuery,
        response: { 200: KpiResponse, ...errors },
      },
    },
    async (req, reply) => {
      const input = request(req.query, [req.params.id])
      return cachedJson(reply, req.url, async (version) => {
        const result = await guarded(() => app.kpis.series({ ...input, version }))
        const k = result.kpis[0]!
        if (k.error !== null) throw new Error(`${k.definition.id} could not be computed: ${k.error}`)
        const entry = kpiEntry(k, result.scope.key)
        const current = await app.kpis.current(req.params.id, result.scope)
        return { ...rangeOf(result), kpi: entry.kpi, series: entry.series, ...(current && { current }) }
      })
    },
  )

  app.get(
    '/api/kpis/:id/records',
    {
      config: { access: 'read' },
      schema: {
        tags: ['kpis'],
        summary: 'The deployments, changes, incidents, issues, alerts, SLOs or entries behind one value',
        description: 'Rows that count in [start, end) within the scope, newest first, paginated with limit/offset; each links to GitHub or the incident tool when known.',
        params: KpiParams,
        querystring: RecordsQuery,
        response: { 200: RecordsResponse, ...errors },
      },
    },
    async (req) => {
      const q = req.query
      const tz = app.kpis.timezone
      const start = instant(q.start, tz, 'start')!
      const end = instant(q.end, tz, 'end')!
      if (end <= start) throw new AppError(400, 'invalid_request', 'end: must be after start')
      const limit = q.limit ?? 50
      const offset = q.offset ?? 0
      const scope = q.scope ?? 'org'
      const page = await guarded(() => app.kpis.records(req.params.id, { scope, period: q.period ?? 'month', start, end, limit, offset }))
      const nextParams = new URLSearchParams({ start: q.start, end: q.end, scope, limit: String(limit), offset: String(offset + limit) })
      if (q.period) nextParams.set('period', q.period)
      return {
        kpi: req.params.id,
        scope,
        start: start.toISOString(),
        end: end.toISOString(),
        total: page.total,
        limit,
        offset,
        records: page.records,
        next: offset + limit < page.total ? nextParams.toString() : null,
      }
    },
  )
}
