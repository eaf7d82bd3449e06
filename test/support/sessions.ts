import type { FastifyInstance } from 'fastify'
import type { Role } from '../../server/auth/principal.ts'
import { SESSION_COOKIE, type Session } from '../../server/plugins/auth.ts'

/** A session cookie as sign-in would set it, for tests of what each role may do. */
export function sessionCookie(app: FastifyInstance, role: Role, options: { teams?: string[]; sub?: string; expMs?: number } = {}): { cookie: string; csrf: string } {
  const session: Session = {
    sub: options.sub ?? `${role}-user`,
    name: `${role}@example.com`,
    role,
    teams: options.teams ?? [],
    csrf: `csrf-${role}-0123456789abcdef`,
    exp: options.expMs ?? app.clock().getTime() + 3_600_000,
  }
  return { cookie: `${SESSION_COOKIE}=${app.sealer!.seal(session)}`, csrf: session.csrf }
}
