import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { collectableSources } from '../config/app-config.ts'
import { listTeams } from '../repositories/teams.repository.ts'
import { countRows, findDemoState, listSyncStates } from '../repositories/sync-state.repository.ts'
import { freshness } from '../sync/freshness.ts'
import { ErrorResponse, OrgResponse, SyncResponse, TeamsResponse } from './org.schema.ts'
import { VERSION } from '../version.ts'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** The organisation, its teams and the freshness of every source: what the first page shows. */
export const orgRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/org',
    { schema: { tags: ['organisation'], summary: 'The organisation, its sources and whether demo data is loaded', response: { 200: OrgResponse, 503: ErrorResponse } } },
    async () => {
      const demo = await findDemoState(app.db.db)
      const cursor = (demo?.cursor ?? {}) as { seed?: number; scale?: string }
      return {
        organisation: demo ? 'Acme Demo' : app.config.organisation,
        timezone: app.config.timezone,
        database: app.db.kind,
        demo: demo ? { seed: cursor.seed ?? 0, scale: cursor.scale ?? 'small', loadedAt: demo.last_success_at!.toISOString() } : null,
        sources: collectableSources(app.config),
        auth: { mode: app.config.auth?.oidc ? ('oidc' as const) : ('open-local' as const) },
        version: VERSION,
      }
    },
  )

  app.get(
    '/api/teams',
    { schema: { tags: ['organisation'], summary: 'Teams with the repositories and services they own', response: { 200: TeamsResponse, 503: ErrorResponse } } },
    async () => ({ teams: await listTeams(app.db.db) }),
  )

  app.get(
    '/api/sync',
    { schema: { tags: ['organisation'], summary: 'Per-source freshness, last error and row counts', response: { 200: SyncResponse, 503: ErrorResponse } } },
    async () => {
      const [states, rows] = await Promise.all([listSyncStates(app.db.db), countRows(app.db.db)])
      const now = app.clock()
      return {
        entries: states.map((s) => ({
          source: s.source,
          scope: s.scope,
          status: freshness({ source: s.source, lastStartedAt: s.last_started_at, lastSuccessAt: s.last_success_at, lastErrorAt: s.last_error_at }, now),
          lastStartedAt: iso(s.last_started_at),
          lastSuccessAt: iso(s.last_success_at),
          lastError: s.last_error,
          lastErrorAt: iso(s.last_error_at),
          rowsWritten: s.rows_written,
          requestCount: s.request_count,
        })),
        rows,
      }
    },
  )
}
