import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchema } from 'fastify'

/**
 * Bodies are validated strictly: no type coercion (a number is not a name), unknown fields
 * rejected, every error reported. Query strings, params and headers arrive as text, so there
 * types are coerced ("limit=10" → 10).
 */
const common: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false }
const strictAjv = addFormats.default(new Ajv({ ...common, coerceTypes: false }))
const coercingAjv = addFormats.default(new Ajv({ ...common, coerceTypes: 'array' }))

export function validatorCompiler({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) {
  const ajv = httpPart === 'body' ? strictAjv : coercingAjv
  return ajv.compile(schema as object)
}

/** Fastify settings shared by the app and by tests that build a bare instance. */
export const HTTP_OPTIONS = {
  bodyLimit: 1_048_576,
} as const
