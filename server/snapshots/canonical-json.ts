import { createHash } from 'node:crypto'

/**
 * JSON with object keys sorted at every level and no whitespace (undefined members dropped, as
 * JSON.stringify does): the same value always gives the same bytes, whatever order it was built
 * or stored in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Date) return value.toISOString()
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key]
    if (v !== undefined) out[key] = sortKeys(v)
  }
  return out
}

/** sha256 of a text's UTF-8 bytes, lower-case hex. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex')
}
