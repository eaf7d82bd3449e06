/**
 * Fastify settings shared by the app and by tests that build a bare instance: every schema error
 * is reported at once, and unknown fields are rejected (fastify's default silently drops them).
 */
export const HTTP_OPTIONS = {
  bodyLimit: 1_048_576,
  ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
} as const
