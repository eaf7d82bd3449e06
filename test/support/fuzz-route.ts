import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'

/**
 * A property-based kit for write routes (fast-check): throws random and malformed bodies at a
 * route and asserts it never answers 5xx, never writes part of a rejected request, and always
 * names the problem in a 4xx. Later issues apply it to their own write routes.
 */
export interface FuzzTarget {
  app: FastifyInstance
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  headers?: Record<string, string>
  /** Bodies the route accepts; the kit corrupts them one field at a time. */
  valid: fc.Arbitrary<Record<string, unknown>>
  /** Rows in every table the route may write (audit log included). */
  rowCount: () => Promise<number>
  runs?: number
}

interface Answer {
  status: number
  body: { error?: { code?: string; message?: string; details?: { field: string; message: string }[] } }
}

async function send(t: FuzzTarget, payload: string, contentType = 'application/json'): Promise<Answer> {
  const res = await t.app.inject({ method: t.method, url: t.url, headers: { ...t.headers, 'content-type': contentType }, payload })
  let body: Answer['body'] = {}
  try {
    body = res.json()
  } catch {
    body = {}
  }
  return { status: res.statusCode, body }
}

function expectNamedRejection(a: Answer, context: string, field?: string): void {
  expect(a.status, `${context}: expected a 4xx, got ${a.status} ${JSON.stringify(a.body)}`).toBeGreaterThanOrEqual(400)
  expect(a.status, `${context}: expected a 4xx, got ${a.status}`).toBeLessThan(500)
  expect(a.body.error?.code, `${context}: error code`).toMatch(/^[a-z_]+$/)
  expect(a.body.error?.message, `${context}: error message`).toMatch(/\S/)
  if (field) {
    const named = `${a.body.error?.message} ${JSON.stringify(a.body.error?.details ?? [])}`
    expect(named, `${context}: the error should name "${field}"`).toContain(field)
  }
}

/** One field made wrong: removed, given a wrong type, or an unknown field added. */
const corruption = (body: Record<string, unknown>) => {
  const keys = Object.keys(body)
  const wrongValue = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.string(), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }))
  return fc.oneof(
    fc.record({ kind: fc.constant('unknown' as const), key: fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/).filter((k) => !keys.includes(k)), value: wrongValue }),
    ...(keys.length > 0
      ? [
          fc.record({ kind: fc.constant('remove' as const), key: fc.constantFrom(...keys), value: fc.constant(undefined) }),
          fc.record({ kind: fc.constant('retype' as const), key: fc.constantFrom(...keys), value: wrongValue }),
        ]
      : []),
  )
}

export async function fuzzWriteRoute(t: FuzzTarget): Promise<void> {
  const runs = t.runs ?? 60
  const before = await t.rowCount()

  // 1. Any JSON value at all: never a 5xx; a rejection names a problem and writes nothing.
  await fc.assert(
    fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
      const rows = await t.rowCount()
      const a = await send(t, JSON.stringify(value))
      expect(a.status, `random body ${JSON.stringify(value)} → ${a.status}`).toBeLessThan(500)
      if (a.status >= 400) {
        expectNamedRejection(a, `random body ${JSON.stringify(value)}`)
        expect(await t.rowCount()).toBe(rows)
      }
    }),
    { numRuns: runs },
  )

  // 2. A valid body with one field made wrong: rejected, naming that field, nothing written.
  await fc.assert(
    fc.asyncProperty(t.valid.chain((body) => fc.tuple(fc.constant(body), corruption(body))), async ([body, c]) => {
      const rows = await t.rowCount()
      const bad: Record<string, unknown> = { ...body }
      if (c.kind === 'remove') delete bad[c.key]
      else bad[c.key] = c.value
      // A retyped optional field may still be valid (e.g. a string for a string); only assert when the type changed.
      if (c.kind === 'retype' && typeof c.value === typeof body[c.key] && Array.isArray(c.value) === Array.isArray(body[c.key])) return
      const a = await send(t, JSON.stringify(bad))
      if (c.kind === 'remove' && a.status < 400) return // the removed field was optional
      expectNamedRejection(a, `${c.kind} ${c.key} in ${JSON.stringify(bad)}`, c.key)
      expect(await t.rowCount()).toBe(rows)
    }),
    { numRuns: runs },
  )

  // 3. Bodies that are not JSON, truncated, of the wrong type or absurdly nested.
  const malformed = fc.oneof(
    fc.string({ maxLength: 200 }).filter((s) => {
      try {
        JSON.parse(s)
        return false
      } catch {
        return true
      }
    }),
    t.valid.map((b) => JSON.stringify(b)).chain((s) => fc.integer({ min: 1, max: Math.max(1, s.length - 1) }).map((n) => s.slice(0, n))),
    fc.integer({ min: 200, max: 5_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  )
  await fc.assert(
    fc.asyncProperty(malformed, async (payload) => {
      const rows = await t.rowCount()
      expectNamedRejection(await send(t, payload), `malformed body ${payload.slice(0, 60)}`)
      expect(await t.rowCount()).toBe(rows)
    }),
    { numRuns: runs },
  )
  for (const [payload, type] of [
    ['name=x', 'application/x-www-form-urlencoded'],
    ['<xml/>', 'text/xml'],
    ['', 'application/json'],
  ] as const) {
    expectNamedRejection(await send(t, payload, type), `content-type ${type} with ${JSON.stringify(payload)}`)
  }
  expect(before).toBeLessThanOrEqual(await t.rowCount())
}
