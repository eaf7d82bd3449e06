import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { attributeIncidents, recomputeAttribution } from '../../collectors/attribution/index.ts'
import { auditActor } from '../auth/principal.ts'
import { AppError } from '../errors/app-error.ts'
import { type FieldProblem, deploymentProblems, describeProblems, incidentProblems, schemaProblems, sliProblems } from '../ingest/validate.ts'
import { ingestDeployments, ingestIncidents, ingestSlis } from '../ingest/write.ts'
import { RATE_LIMITS } from '../plugins/security.ts'
import { ErrorResponse } from './org.schema.ts'
import { DeploymentBatch, IncidentBatch, IngestResult, SliBatch } from './ingest.schema.ts'

/** Ingest bodies may hold 1,000 items with long titles: allow more than the app's default 1 MiB. */
const INGEST_BODY_LIMIT = 4 * 1_048_576

/**
 * Rejects the batch with every problem at once: schema errors (attached rather than thrown, so
 * the semantic checks run too) and `semantic` ones, fields named like `items[3].status`.
 */
function rejectIfInvalid(req: FastifyRequest, semantic: FieldProblem[]): void {
  const problems = [...schemaProblems(req.validationError?.validation as never), ...semantic]
  if (problems.length > 0) throw new AppError(400, 'invalid_request', describeProblems(problems), problems)
}

/**
 * Generic ingest (DESIGN §7) for any CI, incident tool or metrics system: POST /api/deployments,
 * /api/incidents and /api/slis, each taking `{ items: [...] }` (1–1,000), idempotent by id,
 * stored whole or not at all, audited. Needs an API token with the ingest scope (or an admin).
 */
export const ingestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse }
  const config = { access: 'ingest' as const, rateLimit: RATE_LIMITS.ingest }
  const context = (req: FastifyRequest) => ({ actor: auditActor(req.principal), requestId: req.id, ip: req.ip, now: app.clock() })

  /** Attribution reads what was just committed; a failure there never fails the ingest (the next collect reruns it). */
  const attribute = async (req: FastifyRequest, what: string, run: () => Promise<unknown>) => {
    try {
      await run()
    } catch (err) {
      req.log.error({ err }, `attribution after ${what} ingest failed; it reruns with the next collect`)
    }
  }

  app.post(
    '/api/deployments',
    {
      config,
      bodyLimit: INGEST_BODY_LIMIT,
      attachValidation: true,
      schema: {
        tags: ['ingest'],
        summary: 'Record deployments from any CI/CD system (Jenkins, GitLab CI, ArgoCD, …)',
        description:
          'Upserts by id (source `api`). Production when `environment` matches sources.github.production. A deployment keeps the first outcome stored for its id. ' +
          'A batch with any invalid item is rejected whole with a 400 naming every bad field (e.g. `items[3].status`).',
        body: DeploymentBatch,
        response: { 200: IngestResult, ...errors },
      },
    },
    async (req) => {
      rejectIfInvalid(req, deploymentProblems(req.body))
      const { services, ...result } = await ingestDeployments(app.db.db, app.config, req.body.items, context(req))
      await attribute(req, 'deployment', () => recomputeAttribution(app.db.db, app.config, { services, now: app.clock() }))
      return result
    },
  )

  app.post(
    '/api/incidents',
    {
      config,
      bodyLimit: INGEST_BODY_LIMIT,
      attachValidation: true,
      schema: {
        tags: ['ingest'],
        summary: 'Record incidents from any incident tool',
        description:
          'Upserts by id (source `api`); `caused_by_deployment`, `caused_by_sha` or `caused_by_pr` name the cause explicitly, else the incident is attributed to the latest production deployment of its service in the attribution window. ' +
          'The incident-derived availability SLI of the service is recomputed for the hours touched.',
        body: IncidentBatch,
        response: { 200: IngestResult, ...errors },
      },
    },
    async (req) => {
      rejectIfInvalid(req, incidentProblems(req.body, app.config.teams.map((t) => t.id)))
      const { incidentIds, ...result } = await ingestIncidents(app.db.db, app.config, req.body.items, context(req))
      await attribute(req, 'incident', () => attributeIncidents(app.db.db, app.config, { incidentIds, now: app.clock() }))
      return result
    },
  )

  app.post(
    '/api/slis',
    {
      config,
      bodyLimit: INGEST_BODY_LIMIT,
      attachValidation: true,
      schema: {
        tags: ['ingest'],
        summary: 'Record SLI good/total counts from any metrics system',
        description: 'Upserts by (slo_id, interval_start) with source `api`; good ≤ total and interval_end > interval_start.',
        body: SliBatch,
        response: { 200: IngestResult, ...errors },
      },
    },
    async (req) => {
      rejectIfInvalid(req, sliProblems(req.body))
      return ingestSlis(app.db.db, req.body.items, context(req))
    },
  )
}
