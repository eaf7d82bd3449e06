import { Type as T } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { auditActor } from '../auth/principal.ts'
import { AppError } from '../errors/app-error.ts'
import { ScopeError } from '../metrics/scope.ts'
import { countSnapshots, listSnapshots } from '../repositories/snapshots.repository.ts'
import { compareSnapshots } from '../snapshots/compare.ts'
import { CONTENT_TYPES, exportFileName, exportSnapshot } from '../snapshots/export.ts'
import { loadSnapshot, removeSnapshot, SnapshotInputError, takeSnapshot, toSummary } from '../snapshots/store.ts'
import { ErrorResponse } from './org.schema.ts'
import {
  SnapshotCompare,
  SnapshotCompareQuery,
  SnapshotCreateBody,
  SnapshotCreated,
  SnapshotExportParams,
  SnapshotList,
  SnapshotListQuery,
  SnapshotExportQuery,
  SnapshotParams,
  SnapshotView,
} from './snapshots.schema.ts'

/**
 * Board-report snapshots (DESIGN §1, §7): POST freezes every KPI of a month or quarter as of now
 * (admin); list, view, export as JSON, CSV, Markdown or PDF, compare two (read); DELETE (admin).
 * A snapshot is never changed after it is taken, and its exports are drawn from its frozen
 * document alone, so they are the same bytes every time.
 */
export const snapshotRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse }
  const context = (req: FastifyRequest) => ({ actor: auditActor(req.principal), requestId: req.id, ip: req.ip, now: app.clock() })
  const load = async (id: string) => {
    const found = await loadSnapshot(app.db.db, id)
    if (!found) throw new AppError(404, 'not_found', `no snapshot "${id}"`)
    return found
  }

  app.post(
    '/api/snapshots',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['snapshots'],
        summary: 'Take a board-report snapshot: freeze every KPI of a month or quarter as of now',
        description:
          'Freezes, for the scope, every KPI\'s value, status, target, level, delta, sample size and coverage over the 13 periods ending with `period`, ' +
          'the definitions\' text and the freshness of every source, with a sha256 content hash. A period under way may be taken (the document says it is partial). ' +
          'Data collected or targets changed afterwards never alter it. Audited.',
        body: SnapshotCreateBody,
        response: { 201: SnapshotCreated, ...errors },
      },
    },
    async (req, reply) => {
      try {
        const { row } = await takeSnapshot({ db: app.db.db, engine: app.kpis, config: app.config }, req.body, context(req))
        return reply.status(201).send({ snapshot: toSummary(row) })
      } catch (err) {
        if (err instanceof SnapshotInputError) throw new AppError(400, 'invalid_request', `body.${err.field}: ${err.message}`, [{ field: `body.${err.field}`, message: err.message }])
        if (err instanceof ScopeError) throw new AppError(400, 'invalid_request', `body.scope: ${err.message}`, [{ field: 'body.scope', message: err.message }])
        throw err
      }
    },
  )

  app.get(
    '/api/snapshots',
    {
      config: { access: 'read' },
      schema: { tags: ['snapshots'], summary: 'Snapshots, newest first', querystring: SnapshotListQuery, response: { 200: SnapshotList, ...errors } },
    },
    async (req) => {
      const { limit = 50, offset = 0 } = req.query
      const [rows, total] = await Promise.all([listSnapshots(app.db.db, { limit, offset }), countSnapshots(app.db.db)])
      return { total, snapshots: rows.map(toSummary) }
    },
  )

  app.get(
    '/api/snapshots/compare',
    {
      config: { access: 'read' },
      schema: {
        tags: ['snapshots'],
        summary: 'Compare two snapshots: what moved, by how much, and which statuses changed',
        description: 'a is the base (earlier) snapshot, b the later one; changes are b against a, in percentage points for rates and percent otherwise.',
        querystring: SnapshotCompareQuery,
        response: { 200: SnapshotCompare, ...errors },
      },
    },
    async (req) => {
      const [a, b] = await Promise.all([load(req.query.a), load(req.query.b)])
      return { a: toSummary(a.row), b: toSummary(b.row), ...compareSnapshots(a.document, b.document) }
    },
  )

  app.get(
    '/api/snapshots/:id',
    {
      config: { access: 'read' },
      schema: { tags: ['snapshots'], summary: 'One snapshot with its frozen document', params: SnapshotParams, response: { 200: SnapshotView, ...errors } },
    },
    async (req, reply) => {
      const { row, text } = await load(req.params.id)
      // The frozen text goes out as stored: numbers and order exactly as hashed.
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(`{"snapshot":${JSON.stringify(toSummary(row))},"document":${text}}`)
    },
  )

  app.get(
    '/api/snapshots/:id.:format',
    {
      config: { access: 'read' },
      schema: {
        tags: ['snapshots'],
        summary: 'Export a snapshot: .json (the frozen document), .csv, .md or .pdf',
        description:
          '.json is the canonical document whose sha256 is the content hash; .csv has one row per KPI × period with status and target; .md has the tables for a board pack; ' +
          '.pdf has the one-page board summary with sparklines and the commentary, then an appendix page per category with trend charts and definitions. ' +
          'Every export is the same bytes each time it is asked for. Add ?download=1 for Content-Disposition: attachment.',
        params: SnapshotExportParams,
        querystring: SnapshotExportQuery,
        response: { 200: T.String({ description: 'the export (binary for .pdf)', format: 'binary' }), ...errors },
      },
    },
    async (req, reply) => {
      const { document } = await load(req.params.id)
      const format = req.params.format
      const body = await exportSnapshot(document, format)
      const download = req.query.download !== undefined
      return (reply as FastifyReply)
        .type(CONTENT_TYPES[format])
        .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${exportFileName(document, format)}"`)
        .send(body)
    },
  )

  app.delete(
    '/api/snapshots/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['snapshots'], summary: 'Delete a snapshot (audited)', params: SnapshotParams, response: { 200: SnapshotCreated, ...errors } },
    },
    async (req) => {
      const row = await removeSnapshot(app.db.db, req.params.id, context(req))
      if (!row) throw new AppError(404, 'not_found', `no snapshot "${req.params.id}"`)
      return { snapshot: toSummary(row) }
    },
  )
}
