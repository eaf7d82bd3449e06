import { createHash, randomBytes } from 'node:crypto'

/** Every token starts with this, so secret scanners and logs can recognise one. */
export const TOKEN_PREFIX = 'mrd_'

/** A new random API token (256 bits) and what is stored of it: its hash and a short display prefix. */
export function newApiToken(): { token: string; hash: string; prefix: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url')
  return { token, hash: hashApiToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) }
}

/**
 * SHA-256 of a token. Tokens are 256 random bits, so a fast hash is enough (no dictionary to
 * guess from); looking a token up by its hash also avoids comparing secrets byte by byte.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Whether a string looks like one of our tokens (cheap check before touching the database). */
export function looksLikeApiToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(value.slice(TOKEN_PREFIX.length))
}
