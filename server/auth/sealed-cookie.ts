import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Encrypts and authenticates small JSON values for cookies (AES-256-GCM), so sessions live in the
 * browser and any replica can read them — the server keeps no session state.
 */
export class CookieSealer {
  private readonly key: Buffer

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'meridian', 'session-cookie-v1', 32))
  }

  seal(value: unknown): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
  }

  /** The value, or null when the cookie was tampered with, made with another secret, or malformed. */
  open<T>(sealed: string | undefined): T | null {
    if (!sealed) return null
    try {
      const raw = Buffer.from(sealed, 'base64url')
      if (raw.length < 29) return null
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
      return JSON.parse(text) as T
    } catch {
      return null
    }
  }
}
