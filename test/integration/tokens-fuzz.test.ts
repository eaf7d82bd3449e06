import fc from 'fast-check'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { createApiToken } from '../../server/auth/token-service.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'
import { fuzzWriteRoute } from '../support/fuzz-route.ts'

const config = testConfig({
  teams: [{ id: 'payments', name: 'Payments' }],
  auth: { oidc: { issuer: 'https://login.invalid', clientId: 'm' }, sessionSecret: 'fuzz-session-secret-0123456789-0123456789' },
})

forEachBackend('token routes under random input', (ctx) => {
  it('POST /api/tokens never 500s, never half-writes, always names the problem', async () => {
    const app = await buildApp({ config, db: ctx.db, logger: false })
    const { token } = await createApiToken(ctx.db.db, { name: 'fuzzer', scopes: ['admin'] }, { actor: 'test', now: new Date() })
    const rowCount = async () => {
      const { rows } = await sql<{ n: number }>`select (select count(*) from api_token) + (select count(*) from audit_log) as n`.execute(ctx.db.db)
      return Number(rows[0]!.n)
    }
    await fuzzWriteRoute({
      app,
      method: 'POST',
      url: '/api/tokens',
      headers: { authorization: `Bearer ${token}` },
      valid: fc.record(
        {
          name: fc.stringMatching(/^[a-z][a-z0-9 -]{0,20}$/),
          scopes: fc.uniqueArray(fc.constantFrom('read', 'ingest', 'admin'), { minLength: 1, maxLength: 3 }),
          teamId: fc.constant('payments'),
          expiresInDays: fc.integer({ min: 1, max: 3650 }),
        },
        { requiredKeys: ['name', 'scopes'] },
      ),
      rowCount,
      runs: 40,
    })
    await app.close()
  })

  it('DELETE /api/tokens/:id rejects ids that are not positive integers', async () => {
    const app = await buildApp({ config, db: ctx.db, logger: false })
    const { token } = await createApiToken(ctx.db.db, { name: 'fuzzer-2', scopes: ['admin'] }, { actor: 'test', now: new Date() })
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/^\d+$/.test(s.trim())), fc.constantFrom('0', '-1', '1.5', '99999999999', '1e3')), async (id) => {
        const res = await app.inject({ method: 'DELETE', url: `/api/tokens/${encodeURIComponent(id)}`, headers: { authorization: `Bearer ${token}` } })
        expect(res.statusCode, `id ${JSON.stringify(id)}`).toBeGreaterThanOrEqual(400)
        expect(res.statusCode, `id ${JSON.stringify(id)}`).toBeLessThan(500)
      }),
      { numRuns: 40 },
    )
    await app.close()
  })
})
