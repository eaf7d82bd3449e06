import Fastify from 'fastify'
import { Type as T } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { describe, expect, it } from 'vitest'
import { registerErrorHandler, registerNotFound } from '../../server/plugins/error-handler.ts'
import { registerJsonBody } from '../../server/plugins/json-body.ts'
import { AppError } from '../../server/errors/app-error.ts'
import { HTTP_OPTIONS, validatorCompiler } from '../../server/http-options.ts'

async function app() {
  const logs: string[] = []
  const f = Fastify({
    ...HTTP_OPTIONS,
    logger: { level: 'error', stream: { write: (line: string) => void logs.push(line) } },
    genReqId: () => 'req-1',
  }).withTypeProvider<TypeBoxTypeProvider>()
  f.setValidatorCompiler(validatorCompiler)
  registerErrorHandler(f)
  registerJsonBody(f)
  registerNotFound(f)
  f.post('/things', { schema: { body: T.Object({ name: T.String({ minLength: 1 }), count: T.Integer() }, { additionalProperties: false }) } }, async () => ({ ok: true }))
  f.get('/conflict', async () => {
    throw new AppError(409, 'conflict', 'Snapshot 7 already exists', { id: 7 })
  })
  f.get('/boom', async () => {
    throw new Error('password=hunter2 at db.internal:5432')
  })
  f.get('/db-down', async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
  })
  f.get('/db-lost', async () => {
    throw new Error('Client has encountered a connection error and is not queryable')
  })
  await f.ready()
  return { f, logs }
}

describe('the error handler', () => {
  it('answers schema violations with 400 invalid_request naming each field', async () => {
    const { f } = await app()
    const res = await f.inject({ method: 'POST', url: '/things', payload: { name: '', extra: 1 } })
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body.error.code).toBe('invalid_request')
    expect(body.error.requestId).toBe('req-1')
    expect(body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'body.extra', message: 'must NOT have additional properties' },
        { field: 'body.name', message: 'must NOT have fewer than 1 characters' },
        { field: 'body.count', message: "must have required property 'count'" },
      ]),
    )
  })

  it('sends an AppError as it is', async () => {
    const { f } = await app()
    const res = await f.inject({ url: '/conflict' })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toEqual({ error: { code: 'conflict', message: 'Snapshot 7 already exists', details: { id: 7 }, requestId: 'req-1' } })
  })

  it('hides an unexpected error behind 500 internal_error and logs it with the request id', async () => {
    const { f, logs } = await app()
    const res = await f.inject({ url: '/boom' })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: { code: 'internal_error', message: 'Something went wrong; the error was logged.', requestId: 'req-1' } })
    expect(res.body).not.toContain('hunter2')
    const logged = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'unhandled error')
    expect(logged.reqId).toBe('req-1')
  })

  it('answers 503 database_unavailable when the database cannot be reached', async () => {
    const { f } = await app()
    for (const url of ['/db-down', '/db-lost']) {
      const res = await f.inject({ url })
      expect(res.statusCode).toBe(503)
      expect(res.json().error.code).toBe('database_unavailable')
    }
  })

  it('answers malformed JSON and unknown routes with their own codes', async () => {
    const { f } = await app()
    const bad = await f.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '{"name":' })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.code).toBe('invalid_request')
    const missing = await f.inject({ url: '/nope?x=1' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'No route GET /nope', requestId: 'req-1' } })
  })

  it('refuses a body key that could poison prototypes, naming where it is; says what is wrong with bad JSON', async () => {
    const { f } = await app()
    const post = (payload: string) => f.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload })
    const proto = await post('{"name":"a","count":1,"items":[{"x":{"__proto__":{"admin":true}}}]}')
    expect([proto.statusCode, proto.json().error]).toEqual([
      400,
      { code: 'invalid_request', message: 'body.items[0].x.__proto__: this key is not allowed', details: [{ field: 'body.items[0].x.__proto__', message: 'this key is not allowed' }], requestId: 'req-1' },
    ])
    const ctor = await post('{"name":"a","count":1,"constructor":{"prototype":{}}}')
    expect(ctor.json().error.message).toBe('body.constructor.prototype: this key is not allowed')
    const syntax = await post('{"name":')
    expect(syntax.json().error.message).toMatch(/^body: not valid JSON \(.+\)$/)
    const empty = await post('  ')
    expect([empty.statusCode, empty.json().error.message]).toEqual([400, 'body: empty, but the content-type is application/json'])
    // Nesting thousands deep is walked without recursion: a schema error, not a crash.
    const deep = await post(`{"name":"a","count":1,"n":${'['.repeat(20_000)}${']'.repeat(20_000)}}`)
    expect([deep.statusCode, deep.json().error.details]).toEqual([400, [{ field: 'body.n', message: 'must NOT have additional properties' }]])
    // A plain constructor key (no prototype inside) is data like any other: the schema judges it.
    const plain = await post('{"name":"a","count":1,"constructor":"x"}')
    expect(plain.json().error.details).toEqual([{ field: 'body.constructor', message: 'must NOT have additional properties' }])
  })
})
