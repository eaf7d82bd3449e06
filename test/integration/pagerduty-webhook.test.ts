import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { sql } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { PAGERDUTY_INCIDENT_EVENTS } from '../../collectors/pagerduty/index.ts'
import { buildApp } from '../../server/app.ts'
import { signPagerDuty } from '../fixtures/pagerduty-fake/index.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'
import { fuzzWriteRoute } from '../support/fuzz-route.ts'

const SECRET = 'pd-webhook-secret-current'
const OLD_SECRET = 'pd-webhook-secret-previous'
const URL = '/api/webhooks/pagerduty'

const config = testConfig({
  teams: [{ id: 'payments', name: 'Payments', services: ['payments-api'] }],
  sources: {
    pagerduty: {
      token: 'pd-token',
      services: { PSVC001: 'payments-api' },
      severity: { P1: 'sev1', P2: 'sev2', high: 'sev2', low: 'sev4' },
      webhookSecret: SECRET,
    },
  },
})

/** A v3 webhook body as PagerDuty sends it (shape of PagerDuty's webhook v3 incident event examples). */
function event(eventType: string, occurredAt: string, data: Record<string, unknown> = {}) {
  return {
    event: {
      id: `01${eventType.replace(/\W/g, '').toUpperCase().slice(0, 10)}${occurredAt.replace(/\D/g, '')}`,
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: occurredAt,
      agent: { html_url: 'https://acme.pagerduty.com/users/PLI1', id: 'PLI1', self: 'https://api.pagerduty.com/users/PLI1', summary: 'Tenex Engineer', type: 'user_reference' },
      client: null,
      data: {
        id: 'Q1ABCDEF',
        type: 'incident',
        self: 'https://api.pagerduty.com/incidents/Q1ABCDEF',
        html_url: 'https://acme.pagerduty.com/incidents/Q1ABCDEF',
        number: 42,
        status: 'triggered',
        incident_key: 'd3640fbd41094207a1c11e58e46b1662',
        created_at: '2026-11-10T10:00:00Z',
        title: 'Checkout is failing',
        service: { html_url: 'https://acme.pagerduty.com/services/PSVC001', id: 'PSVC001', self: 'https://api.pagerduty.com/services/PSVC001', summary: 'Checkout', type: 'service_reference' },
        assignees: [],
        escalation_policy: { id: 'PEP1', type: 'escalation_policy_reference', summary: 'Default' },
        teams: [],
        priority: { html_url: 'https://acme.pagerduty.com/account/incident_priorities', id: 'PPRIO1', self: 'https://api.pagerduty.com/priorities/PPRIO1', summary: 'P1', type: 'priority_reference' },
        urgency: 'low',
        conference_bridge: null,
        resolve_reason: null,
        ...data,
      },
    },
  }
}

forEachBackend('PagerDuty webhook route', (ctx) => {
  let app: FastifyInstance
  beforeEach(async () => {
    await sql`delete from incident`.execute(ctx.db.db)
    await sql`delete from audit_log`.execute(ctx.db.db)
    await sql`delete from webhook_delivery`.execute(ctx.db.db)
    app = await buildApp({ config, db: ctx.db, logger: false, clock: () => new Date('2026-11-10T12:00:00Z') })
  })
  afterEach(async () => {
    await app.close()
  })

  const post = (body: unknown, signature: string | null | ((raw: string) => string) = (raw) => signPagerDuty(raw, SECRET)) => {
    const payload = JSON.stringify(body)
    const sig = typeof signature === 'function' ? signature(payload) : signature
    return app.inject({ method: 'POST', url: URL, payload, headers: { 'content-type': 'application/json', ...(sig !== null && { 'x-pagerduty-signature': sig }) } })
  }
  const stored = () =>
    ctx.db.db
      .selectFrom('incident')
      .select(['source', 'external_id', 'reference', 'service', 'team_id', 'severity', 'title', 'status', 'started_at', 'acknowledged_at', 'resolved_at', 'root_cause_key', 'url'])
      .execute()
  const counts = async () => {
    const { rows } = await sql<{ i: number; a: number }>`select (select count(*)::int from incident) as i, (select count(*)::int from audit_log) as a`.execute(ctx.db.db)
    return rows[0]!
  }

  it('stores a triggered incident through the polling mapper and audits it as webhook:pagerduty', async () => {
    const res = await post(event('incident.triggered', '2026-11-10T10:00:05Z'))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'stored', eventType: 'incident.triggered', incidentId: expect.any(Number) })
    expect(await stored()).toEqual([
      {
        source: 'pagerduty',
        external_id: 'Q1ABCDEF',
        reference: '#42',
        service: 'payments-api',
        team_id: 'payments',
        severity: 'sev1',
        title: 'Checkout is failing',
        status: 'triggered',
        started_at: new Date('2026-11-10T10:00:00Z'),
        acknowledged_at: null,
        resolved_at: null,
        root_cause_key: 'd3640fbd41094207a1c11e58e46b1662',
        url: 'https://acme.pagerduty.com/incidents/Q1ABCDEF',
      },
    ])
    const audit = await ctx.db.db.selectFrom('audit_log').select(['actor', 'action', 'target_type', 'target_id']).execute()
    expect(audit).toEqual([{ actor: 'webhook:pagerduty', action: 'pagerduty.incident.triggered', target_type: 'incident', target_id: String(res.json().incidentId) }])
  })

  it('applies a redelivered event once', async () => {
    const body = event('incident.triggered', '2026-11-10T10:00:05Z')
    expect((await post(body)).json().status).toBe('stored')
    const again = await post(body)
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ status: 'duplicate', eventType: 'incident.triggered' })
    expect(await counts()).toEqual({ i: 1, a: 1 })
  })

  it('follows acknowledged → priority_updated → resolved → reopened', async () => {
    expect((await post(event('incident.triggered', '2026-11-10T10:00:05Z'))).statusCode).toBe(200)
    expect((await post(event('incident.acknowledged', '2026-11-10T10:03:00Z', { status: 'acknowledged' }))).statusCode).toBe(200)
    // priority removed: the urgency decides (low → sev4)
    expect((await post(event('incident.priority_updated', '2026-11-10T10:04:00Z', { status: 'acknowledged', priority: null }))).statusCode).toBe(200)
    let [row] = await stored()
    expect(row).toMatchObject({ status: 'acknowledged', severity: 'sev4', acknowledged_at: new Date('2026-11-10T10:03:00Z'), resolved_at: null })
    // a priority again: it wins over the urgency
    expect((await post(event('incident.priority_updated', '2026-11-10T10:05:00Z', { status: 'acknowledged', priority: { id: 'PPRIO2', summary: 'P2', type: 'priority_reference' } }))).statusCode).toBe(200)
    expect((await post(event('incident.resolved', '2026-11-10T11:00:00Z', { status: 'resolved', priority: { id: 'PPRIO2', summary: 'P2', type: 'priority_reference' } }))).statusCode).toBe(200)
    ;[row] = await stored()
    expect(row).toMatchObject({ status: 'resolved', severity: 'sev2', acknowledged_at: new Date('2026-11-10T10:03:00Z'), resolved_at: new Date('2026-11-10T11:00:00Z') })
    expect((await post(event('incident.reopened', '2026-11-10T11:30:00Z', { status: 'triggered' }))).statusCode).toBe(200)
    ;[row] = await stored()
    expect(row).toMatchObject({ status: 'triggered', severity: 'sev1', acknowledged_at: new Date('2026-11-10T10:03:00Z'), resolved_at: null })
    expect((await counts()).a).toBe(6)
  })

  it('answers 401 to a bad, missing or foreign signature and writes nothing', async () => {
    const body = event('incident.triggered', '2026-11-10T10:00:05Z')
    const other = JSON.stringify(event('incident.triggered', '2026-11-10T10:00:06Z'))
    for (const sig of [null, '', 'v1=', `v1=${'0'.repeat(64)}`, signPagerDuty(JSON.stringify(body), 'wrong-secret'), signPagerDuty(other, SECRET), signPagerDuty(JSON.stringify(body), SECRET).replace('v1=', 'v0=')]) {
      const res = await post(body, sig)
      expect(res.statusCode, `signature ${sig}`).toBe(401)
      expect(res.json().error.code).toBe('unauthorized')
    }
    expect(await counts()).toEqual({ i: 0, a: 0 })
  })

  it('accepts a rotated secret: two v1 signatures, one of which matches', async () => {
    const body = event('incident.triggered', '2026-11-10T10:00:05Z')
    const both = (raw: string) => signPagerDuty(raw, OLD_SECRET, SECRET)
    expect(both('x').split(',')).toHaveLength(2)
    expect((await post(body, both)).statusCode).toBe(200)
    expect((await post(body, (raw) => signPagerDuty(raw, SECRET, OLD_SECRET))).statusCode).toBe(200)
    expect((await post(body, (raw) => signPagerDuty(raw, OLD_SECRET, 'another-old-one'))).statusCode).toBe(401)
    expect((await counts()).i).toBe(1)
  })

  it('ignores other event types with 202', async () => {
    for (const type of ['incident.annotated', 'incident.delegated', 'service.updated', 'pagey.ping']) {
      const res = await post(event(type, '2026-11-10T10:00:05Z'))
      expect(res.statusCode).toBe(202)
      expect(res.json()).toEqual({ status: 'ignored', eventType: type })
    }
    expect(await counts()).toEqual({ i: 0, a: 0 })
  })

  it('rejects an incident event whose data cannot be stored, naming the field', async () => {
    const res = await post(event('incident.triggered', '2026-11-10T10:00:05Z', { created_at: 'yesterday' }))
    expect(res.statusCode).toBe(400)
    expect(res.json().error.message).toContain('body.event.data.created_at')
    expect(await counts()).toEqual({ i: 0, a: 0 })
  })

  it('never 500s, never half-writes and names the problem under random signed bodies', async () => {
    const signed = {
      inject: (opts: InjectOptions) => {
        const payload = typeof opts.payload === 'string' ? opts.payload : ''
        return app.inject({ ...opts, headers: { ...opts.headers, 'x-pagerduty-signature': signPagerDuty(payload, SECRET) } })
      },
    } as unknown as FastifyInstance
    const at = (ms: number) => new Date(ms).toISOString()
    const when = fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2026-11-01T00:00:00Z') })
    await fuzzWriteRoute({
      app: signed,
      method: 'POST',
      url: URL,
      valid: fc.record({
        event: fc.record({
          id: fc.stringMatching(/^[0-9A-Z]{10,26}$/),
          event_type: fc.constantFrom(...PAGERDUTY_INCIDENT_EVENTS, 'incident.annotated'),
          resource_type: fc.constant('incident'),
          occurred_at: when.map(at),
          data: fc.record({
            id: fc.stringMatching(/^Q[0-9A-Z]{6,13}$/),
            type: fc.constant('incident'),
            number: fc.nat(),
            status: fc.constantFrom('triggered', 'acknowledged', 'resolved'),
            title: fc.string({ minLength: 1, maxLength: 40 }),
            created_at: when.map(at),
            urgency: fc.constantFrom('high', 'low'),
            priority: fc.option(fc.record({ id: fc.constant('PPRIO1'), summary: fc.constantFrom('P1', 'P2', 'P3'), type: fc.constant('priority_reference') }), { nil: null }),
            service: fc.record({ id: fc.constantFrom('PSVC001', 'PSVC002'), summary: fc.constant('Checkout'), type: fc.constant('service_reference') }),
            incident_key: fc.option(fc.stringMatching(/^[a-f0-9]{8,32}$/), { nil: null }),
          }),
        }),
      }),
      rowCount: async () => {
        const c = await counts()
        return c.i + c.a
      },
      runs: 40,
    })
  })
})
