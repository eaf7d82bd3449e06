import { createHmac, timingSafeEqual } from 'node:crypto'

function equalHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]+$/i.test(a) || a.length !== b.length) return false
  return timingSafeEqual(Buffer.from(a.toLowerCase(), 'hex'), Buffer.from(b.toLowerCase(), 'hex'))
}

/** HMAC-SHA256 of the raw body as lower-case hex. */
export function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex')
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>`, compared in constant time. */
export function verifyGitHubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header ?? '')
  return m !== null && equalHex(m[1]!, hmacHex(secret, body))
}

/**
 * PagerDuty v3: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` (several while a secret rotates);
 * valid when any v1 signature matches, each compared in constant time.
 */
export function verifyPagerDutySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const expected = hmacHex(secret, body)
  let ok = false
  for (const part of (header ?? '').split(',')) {
    const m = /^\s*v1=([0-9a-fA-F]{64})\s*$/.exec(part)
    // Check every candidate (no early exit) so timing does not reveal which one matched.
    if (m && equalHex(m[1]!, expected)) ok = true
  }
  return ok
}
