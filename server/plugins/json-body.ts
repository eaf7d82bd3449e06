import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors/app-error.ts'

/**
 * JSON request bodies, parsed with errors a client can act on: a syntax error says what the
 * parser met; a key that could poison prototypes (`__proto__`, `constructor.prototype`) is refused
 * naming where it is (fastify's own parser says only "Body is not valid JSON", which it is).
 * Webhook routes replace this in their own context (they keep the raw bytes for signatures).
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string
    if (text.trim() === '') return done(new AppError(400, 'invalid_request', 'body: empty, but the content-type is application/json'), undefined)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      return done(new AppError(400, 'invalid_request', `body: not valid JSON (${(err as Error).message})`), undefined)
    }
    const poisoned = poisonedKey(value, 'body')
    if (poisoned) return done(new AppError(400, 'invalid_request', `${poisoned}: this key is not allowed`, [{ field: poisoned, message: 'this key is not allowed' }]), undefined)
    done(null, value)
  })
}

/** The path of the first `__proto__` key or `constructor.prototype` in a parsed JSON value, else null. */
export function poisonedKey(value: unknown, path: string): string | null {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = poisonedKey(value[i], `${path}[${i}]`)
      if (found) return found
    }
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const at = `${path}.${key}`
      if (key === '__proto__') return at
      const child = record[key]
      if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return `${at}.prototype`
      const found = poisonedKey(child, at)
      if (found) return found
    }
  }
  return null
}
