import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { auditActor, type Principal } from '../auth/principal.ts'
import { AppError } from '../errors/app-error.ts'
import type { KpiDefinition } from '../kpis/definition.ts'
import { DEFAULT_DEFINITIONS_DIR, loadDefinitions } from '../kpis/load-definitions.ts'
import { enterMeasurement } from '../measurements/enter.ts'
import { resolveEntry } from '../measurements/entry.ts'
import { IMPORT_KIND_NAMES, IMPORT_KINDS, importMeasurements } from '../measurements/import.ts'
import { todayIn } from '../measurements/period-input.ts'
import { scopeChecker } from '../measurements/scopes.ts'
import { FORMULAS } from '../metrics/registry.ts'
import { RATE_LIMITS } from '../plugins/security.ts'
import { countMeasurements, listMeasurements, measurementHistory, type MeasurementHistoryRow, type MeasurementRow } from '../repositories/kpi/measurements.repository.ts'
import { ErrorResponse } from './org.schema.ts'
import { ImportParams, ImportResult, type Measurement, MeasurementBody, MeasurementList, MeasurementQuery, MeasurementWritten } from './measurements.schema.ts'

/** The largest CSV file an import accepts. */
export const MAX_CSV_BYTES = 5 * 1_048_576

type Definitions = ReadonlyMap<string, KpiDefinition>

export interface MeasurementRoutesOptions {
  /** The KPI definitions (or a getter, for reloads); default: the valid files of kpi-definitions/, read once. */
  definitions?: Definitions | (() => Definitions)
}

/** A stored measurement and its corrections as the API shows them. */
export function toApiMeasurement(m: MeasurementRow, history: readonly MeasurementHistoryRow[]): Measurement {
  return {
    id: m.id,
    kpi: m.kpiId,
    scope: m.scope,
    periodStart: m.periodStart,
    periodEnd: m.periodEnd,
    value: m.value,
    components: m.components,
    note: m.note,
    source: m.source,
    enteredBy: m.enteredBy,
    enteredAt: m.enteredAt.toISOString(),
    history: history.map((h) => ({
      valueBefore: h.valueBefore,
      valueAfter: h.valueAfter,
      componentsBefore: h.componentsBefore,
      componentsAfter: h.componentsAfter,
      changedBy: h.changedBy,
      changedAt: h.changedAt.toISOString(),
      source: h.source,
    })),
  }
}

const tooLarge = () => new AppError(413, 'payload_too_large', `The CSV file is larger than ${MAX_CSV_BYTES / 1_048_576} MB: split it (by month or period) and import the parts.`)

/** Reads a text/csv body as UTF-8 (a BOM is fine), refusing more than MAX_CSV_BYTES before reading them all. */
async function readCsv(req: FastifyRequest, payload: AsyncIterable<Buffer | string>): Promise<string> {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase()
  if (charset && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) {
    throw new AppError(415, 'invalid_request', `The CSV must be UTF-8 (got charset ${charset}): save it as "CSV UTF-8".`)
  }
  if (Number(req.headers['content-length']) > MAX_CSV_BYTES) throw tooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of payload) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += b.length
    if (size > MAX_CSV_BYTES) throw tooLarge()
    chunks.push(b)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    throw new AppError(400, 'invalid_request', 'The file is not UTF-8 text: save it as "CSV UTF-8".')
  }
}

/**
 * Entered KPIs (DESIGN §4, §7): POST /api/measurements (one value; a team member may write only
 * its team's scope, an admin any), GET /api/measurements (with correction history) and
 * POST /api/import/:kind (a CSV file, text/csv, all stored or none). Writes are audited and bump
 * the KPI data version.
 */
export const measurementRoutes: FastifyPluginAsyncTypebox<MeasurementRoutesOptions> = async (app, options) => {
  let loaded: Definitions | null = null
  const definitions = (): Definitions => {
    if (typeof options.definitions === 'function') return options.definitions()
    if (options.definitions) return options.definitions
    loaded ??= new Map(loadDefinitions(DEFAULT_DEFINITIONS_DIR, FORMULAS).definitions.map((d) => [d.id, d]))
    return loaded
  }
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse }
  const context = (req: FastifyRequest) => ({ actor: auditActor(req.principal), requestId: req.id, ip: req.ip, now: app.clock() })

  app.addContentTypeParser('text/csv', async (req: FastifyRequest, payload: AsyncIterable<Buffer>) => readCsv(req, payload))

  app.post(
    '/api/measurements',
    {
      config: { access: 'team', rateLimit: RATE_LIMITS.ingest },
      schema: {
        tags: ['measurements'],
        summary: 'Enter or correct the value of an entered KPI for a scope and period',
        description:
          'Upserts by (kpi, scope, period): 201 when new, 200 when corrected (the history keeps who changed what, when) or unchanged. ' +
          'KPIs computed from two components (ratio or variance formulas) take components and derive the value; the others take value. ' +
          'A team member may write only team:<its team>; org, service and repo scopes need an admin.',
        body: MeasurementBody,
        response: { 200: MeasurementWritten, 201: MeasurementWritten, ...errors },
      },
    },
    async (req, reply) => {
      const principal = req.principal as Principal
      const ctx = context(req)
      const tz = app.config.timezone
      const scope = await scopeChecker(app.db.db, app.config, principal, [req.body.scope])
      const entry = resolveEntry(req.body, { definitions: definitions(), timezone: tz, today: todayIn(ctx.now, tz), scope })
      if (!entry.ok) {
        if (entry.forbidden) throw new AppError(403, 'forbidden', entry.forbidden)
        const details = entry.problems.map((p) => ({ field: `body.${p.field}`, message: p.message }))
        throw new AppError(400, 'invalid_request', details.map((d) => `${d.field} ${d.message}`).join('; '), details)
      }
      const { outcome, row, history } = await enterMeasurement(app.db.db, entry.input, ctx)
      return reply.status(outcome === 'created' ? 201 : 200).send({ outcome, measurement: toApiMeasurement(row, history) })
    },
  )

  app.get(
    '/api/measurements',
    {
      schema: {
        tags: ['measurements'],
        summary: 'Entered values with their correction history, newest period first',
        querystring: MeasurementQuery,
        response: { 200: MeasurementList, ...errors },
      },
    },
    async (req) => {
      const { limit = 200, offset = 0, kpi, scope, from, to } = req.query
      const filter = { kpiId: kpi, scope, from, to }
      const [rows, total] = await Promise.all([listMeasurements(app.db.db, { ...filter, limit, offset }), countMeasurements(app.db.db, filter)])
      const history = await measurementHistory(app.db.db, rows.map((r) => r.id))
      return { total, measurements: rows.map((r) => toApiMeasurement(r, history.filter((h) => h.measurementId === r.id))) }
    },
  )

  app.post(
    '/api/import/:kind',
    {
      config: { access: 'team', rateLimit: RATE_LIMITS.ingest },
      bodyLimit: MAX_CSV_BYTES,
      schema: {
        tags: ['measurements'],
        summary: 'Import entered KPI values from a CSV file (Content-Type: text/csv)',
        description:
          `Kinds: ${IMPORT_KIND_NAMES.join(', ')} (columns in the README). The whole file is checked first: any problem → 400 listing every one as ` +
          '{ line, column, message } in error.details (line 1 is the header), and nothing is stored. A scope the caller may not write → 403. ' +
          `At most ${MAX_CSV_BYTES / 1_048_576} MB (413).`,
        consumes: ['text/csv'],
        params: ImportParams(IMPORT_KIND_NAMES),
        response: { 200: ImportResult, 413: ErrorResponse, 415: ErrorResponse, ...errors },
      },
    },
    async (req) => {
      if (typeof req.body !== 'string') {
        throw new AppError(415, 'invalid_request', `POST /api/import/${req.params.kind} takes a CSV file: send it with Content-Type: text/csv.`)
      }
      return importMeasurements(app.db.db, app.config, req.principal as Principal, IMPORT_KINDS.get(req.params.kind)!, req.body, context(req))
    },
  )
}
