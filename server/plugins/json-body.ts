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

/** A place in a parsed JSON value: its key (or index) and the place holding it. */
interface Place {
  value: unknown
  key: string | number | null
  parent: Place | null
}

const pathOf = (place: Place, root: string): string => {
  const parts: string[] = []
  for (let p: Place | null = place; p && p.key !== null; p = p.parent) parts.push(typeof p.key === 'number' ? `[${p.key}]` : `.${p.key}`)
  return root + parts.reverse().join('')
}

/**
 * The path of the first `__proto__` key or `constructor.prototype` in a parsed JSON value, else
 * null. Walks with its own stack (a body may nest thousands deep) and builds a path only for a hit.
 */
export function poisonedKey(value: unknown, root: string): string | null {
  const stack: Place[] = [{ value, key: null, parent: null }]
  while (stack.length > 0) {
    const place = stack.pop()!
    const v = place.value
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: place })
    } else if (v !== null && typeof v === 'object') {
      const record = v as Record<string, unknown>
      const keys = Object.keys(record)
      for (const key of keys) {
        if (key === '__proto__') return pathOf({ value: null, key, parent: place }, root)
        const child = record[key]
        if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
          return pathOf({ value: null, key: 'prototype', parent: { value: child, key, parent: place } }, root)
        }
      }
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: record[keys[i]!], key: keys[i]!, parent: place })
    }
  }
  return null
}
