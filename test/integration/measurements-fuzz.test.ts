import fc from 'fast-check'
import { sql } from 'kysely'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApiToken } from '../../server/auth/token-service.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'
import { fuzzWriteRoute } from '../support/fuzz-route.ts'
import { ENTERED_DEFINITIONS, buildMeasurementsApp } from '../support/measurements-app.ts'

const NOW = new Date('2026-11-22T12:00:00Z')
const config = testConfig({ timezone: 'America/New_York', teams: [{ id: 'payments', name: 'Payments' }] })

const PERIODS = ['2026-Q1', '2026-Q2', '2026-Q3', '2026-07', '2026-08', '2026-W05', '2026-W40']
const KINDS = ['cloud-billing', 'hiring', 'attrition', 'survey']

/** Hiring files the route accepts: distinct periods, hires planned > 0. */
const hiringRows = fc.uniqueArray(
  fc.record({
    period: fc.constantFrom(...PERIODS),
    planned: fc.integer({ min: 1, max: 50 }),
    hired: fc.integer({ min: 0, max: 60 }),
    days: fc.option(fc.double({ min: 0, max: 200, noNaN: true, noDefaultInfinity: true }).map((d) => Math.round(d * 10) / 10), { nil: null }),
  }),
  { minLength: 1, maxLength: 6, selector: (r) => r.period },
)
const HIRING_COLUMNS = ['period', 'planned', 'hired', 'time_to_fill_days'] as const
const hiringCsv = (rows: { period: string; planned: number; hired: number; days: number | null }[], eol = '\n') =>
  [HIRING_COLUMNS.join(','), ...rows.map((r) => [r.period, r.planned, r.hired, r.days ?? ''].join(','))].join(eol) + eol

/** Cell values no column of a hiring file accepts. */
const BAD_CELLS = ['abc', '-5', '"1,5"', 'NaN', '１２', '2026-13', '1e999', '"  "', '0x1F', '""']

forEachBackend('entered KPI routes under random input', (ctx) => {
  let app: FastifyInstance
  let headers: Record<string, string>
  const rowCount = async () => {
    const { rows } = await sql<{ n: number }>`select (select count(*) from measurement) + (select count(*) from measurement_history) + (select count(*) from audit_log) as n`.execute(ctx.db.db)
    return Number(rows[0]!.n)
  }

  beforeAll(async () => {
    app = await buildMeasurementsApp({ config, db: ctx.db, clock: () => NOW, definitions: ENTERED_DEFINITIONS })
    const { token } = await createApiToken(ctx.db.db, { name: 'fuzzer', scopes: ['admin'] }, { actor: 'test', now: NOW })
    headers = { authorization: `Bearer ${token}` }
  })
  afterAll(async () => app?.close())

  it('POST /api/measurements never 500s, never half-writes, always names the problem', async () => {
    const note = fc.string({ maxLength: 40 })
    await fuzzWriteRoute({
      app,
      method: 'POST',
      url: '/api/measurements',
      headers,
      valid: fc.oneof(
        fc.record(
          {
            kpi: fc.constant('cost.cloud_spend_vs_budget'),
            scope: fc.constantFrom('org', 'team:payments'),
            period: fc.constantFrom(...PERIODS),
            components: fc.record({ spend: fc.integer({ min: 0, max: 10_000_000 }), budget: fc.integer({ min: 1, max: 10_000_000 }) }),
            note,
          },
          { requiredKeys: ['kpi', 'scope', 'period', 'components'] },
        ),
        fc.record(
          {
            kpi: fc.constant('people.time_to_fill'),
            scope: fc.constant('org'),
            period: fc.constantFrom(...PERIODS),
            value: fc.double({ min: 0, max: 365, noNaN: true, noDefaultInfinity: true }),
            note,
          },
          { requiredKeys: ['kpi', 'scope', 'period', 'value'] },
        ),
      ),
      rowCount,
      runs: 40,
    })
  })

  const importCsv = (kind: string, payload: string) => app.inject({ method: 'POST', url: `/api/import/${kind}`, headers: { ...headers, 'content-type': 'text/csv' }, payload })
  const expectProblems = (res: Awaited<ReturnType<typeof importCsv>>, label: string) => {
    expect(res.statusCode, `${label} → ${res.statusCode} ${res.body}`).toBeGreaterThanOrEqual(400)
    expect(res.statusCode, label).toBeLessThan(500)
    const error = res.json().error
    expect(error.code, label).toMatch(/^[a-z_]+$/)
    expect(error.message, label).toMatch(/\S/)
    if (res.statusCode === 400) {
      expect(error.details.length, label).toBeGreaterThan(0)
      for (const d of error.details) {
        expect(Number.isInteger(d.line) && d.line >= 1, `${label}: line ${d.line}`).toBe(true)
        expect(d.column === null || typeof d.column === 'string', label).toBe(true)
        expect(d.message, label).toMatch(/\S/)
      }
    }
  }

  it('POST /api/import/:kind never 500s on arbitrary text and stores nothing from a rejected file', async () => {
    const csvish = fc
      .array(fc.constantFrom('a', '1', '2026-Q3', '2026-10-01', 'period', 'score', 'cost', 'date', ',', ',', '"', '""', '\n', '\r\n', '\r', ' ', '-', '.', 'é', '\u0000'), { maxLength: 60 })
      .map((parts) => parts.join(''))
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...KINDS), fc.oneof(fc.string({ maxLength: 200 }), csvish, fc.string({ unit: 'binary', maxLength: 100 })), async (kind, text) => {
        const rows = await rowCount()
        const res = await importCsv(kind, text)
        expect(res.statusCode, `${kind} ${JSON.stringify(text)} → ${res.body}`).toBeLessThan(500)
        if (res.statusCode >= 400) {
          expectProblems(res, `${kind} ${JSON.stringify(text)}`)
          expect(await rowCount()).toBe(rows)
        }
      }),
      { numRuns: 60 },
    )
  })

  it('POST /api/import/hiring: one bad cell is reported at its line and column, and nothing is stored', async () => {
    await fc.assert(
      fc.asyncProperty(
        hiringRows.chain((rows) => fc.tuple(fc.constant(rows), fc.nat({ max: rows.length - 1 }), fc.nat({ max: HIRING_COLUMNS.length - 1 }), fc.constantFrom(...BAD_CELLS), fc.constantFrom('\n', '\r\n'))),
        async ([rows, r, c, bad, eol]) => {
          const lines = hiringCsv(rows, eol).split(eol)
          const cells = lines[r + 1]!.split(',')
          // An empty cell is fine in the optional time_to_fill_days column: give it a word instead.
          cells[c] = c === 3 && /^"\s*"$/.test(bad) ? 'abc' : bad
          lines[r + 1] = cells.join(',')
          const before = await rowCount()
          const res = await importCsv('hiring', lines.join(eol))
          const label = `${bad} in ${HIRING_COLUMNS[c]} of line ${r + 2}`
          expectProblems(res, label)
          expect(res.json().error.details, label).toContainEqual(expect.objectContaining({ line: r + 2, column: HIRING_COLUMNS[c] }))
          expect(await rowCount()).toBe(before)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('POST /api/import/hiring: a sound file is stored whole, and importing it again changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(hiringRows, fc.constantFrom('\n', '\r\n'), async (rows, eol) => {
        const csv = hiringCsv(rows, eol)
        const first = await importCsv('hiring', csv)
        expect(first.statusCode, first.body).toBe(200)
        const expected = rows.length + rows.filter((r) => r.days !== null).length
        const body = first.json()
        expect(body.created + body.updated + body.unchanged).toBe(expected)
        const before = await rowCount()
        const again = await importCsv('hiring', csv)
        expect(again.json()).toMatchObject({ created: 0, updated: 0, unchanged: expected })
        expect(await rowCount()).toBe(before)
        // a truncated file is either still sound or rejected with its problems: never a 5xx, never half stored
        const cut = csv.slice(0, Math.max(1, Math.floor(csv.length / 2)))
        const res = await importCsv('hiring', cut)
        expect(res.statusCode).toBeLessThan(500)
        if (res.statusCode >= 400) expect(await rowCount()).toBe(before)
      }),
      { numRuns: 25 },
    )
  })
})
