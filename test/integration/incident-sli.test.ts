import { expect, it } from 'vitest'
import { badMinuteIntervals, deriveIncidentSlis, hourlyAvailability } from '../../collectors/incident-sli/index.ts'
import { upsertIncidents } from '../../collectors/shared/store/incidents.ts'
import { upsertSliSamples } from '../../collectors/shared/store/sli-samples.ts'
import type { Severity } from '../../server/db/schema.ts'
import { forEachBackend } from '../support/databases.ts'

const d = (s: string) => new Date(`2026-11-20T${s}:00Z`)
const NOW = new Date('2026-11-21T00:00:00Z')

it.each([
  ['one sev1 10:20–11:10', [['10:20', '11:10']], [20, 50, 60]],
  ['a sev1 10:20–11:10 and a sev2 10:50–12:00', [['10:20', '11:10'], ['10:50', '12:00']], [20, 0, 60]],
  ['two disjoint incidents in one hour', [['10:05', '10:10'], ['10:50', '10:55']], [50, 60, 60]],
  ['seconds round out to whole bad minutes', [['10:20:30', '10:21:10']], [58, 60, 60]],
  ['open since 11:15, now 11:30 (open until now)', [['11:15', null]], [60, 45, 60]],
] as const)('hourly availability: %s → good minutes in hours 10, 11, 12', (_label, spans, good) => {
  const t = (x: string) => new Date(`2026-11-20T${x.length === 5 ? `${x}:00` : x}Z`)
  const open = spans.map(([a, b]) => ({ startedAt: t(a), resolvedAt: b ? t(b) : null }))
  const now = spans.some(([, b]) => b === null) ? d('11:30') : NOW
  const hours = hourlyAvailability(badMinuteIntervals(open, now), d('10:00').getTime(), d('13:00').getTime())
  expect(hours.map((h) => [h.intervalStart.toISOString().slice(11, 16), h.good, h.total])).toEqual([
    ['10:00', good[0], 60],
    ['11:00', good[1], 60],
    ['12:00', good[2], 60],
  ])
})

forEachBackend('incident-derived SLI', (ctx) => {
  const incident = (id: string, service: string, severity: Severity, start: string, end: string | null) => ({
    source: 'pagerduty',
    external_id: id,
    service,
    severity,
    title: `incident ${id}`,
    started_at: d(start),
    resolved_at: end ? d(end) : null,
  })
  const samples = (service: string) =>
    ctx.db.db
      .selectFrom('sli_sample')
      .select(['interval_start', 'good', 'total'])
      .where('source', '=', 'incidents')
      .where('slo_id', '=', `${service}-incident-availability`)
      .orderBy('interval_start')
      .execute()
      .then((rows) => rows.map((r) => [r.interval_start.toISOString().slice(11, 16), r.good, r.total]))

  it('counts minutes with an open sev1–sev2 incident as bad, overlapping incidents once', async () => {
    await upsertIncidents(ctx.db.db, [
      incident('P1', 'payments-api', 'sev1', '10:20', '11:10'),
      incident('P2', 'payments-api', 'sev2', '10:50', '12:00'),
      incident('P3', 'payments-api', 'sev3', '12:00', '12:30'),
    ])
    const result = await deriveIncidentSlis(ctx.db.db, { services: ['payments-api'], from: d('10:00'), to: d('13:00'), now: NOW })
    expect(result).toEqual({ services: ['payments-api'], samples: 3 })
    expect(await samples('payments-api')).toEqual([
      ['10:00', 20, 60],
      ['11:00', 0, 60],
      ['12:00', 60, 60],
    ])
  })

  it('recomputes the affected hours when an incident changes', async () => {
    await upsertIncidents(ctx.db.db, [incident('P2', 'payments-api', 'sev2', '10:50', '11:30')])
    await deriveIncidentSlis(ctx.db.db, { services: ['payments-api'], from: d('10:50'), to: d('12:00'), now: NOW })
    expect(await samples('payments-api')).toEqual([
      ['10:00', 20, 60],
      ['11:00', 30, 60],
      ['12:00', 60, 60],
    ])
  })

  it('skips services that have a Prometheus SLI, and writes only complete hours', async () => {
    await upsertIncidents(ctx.db.db, [incident('C1', 'checkout-web', 'sev1', '10:00', '10:30'), incident('I1', 'identity-api', 'sev2', '10:40', null)])
    await upsertSliSamples(ctx.db.db, [{ source: 'prometheus', slo_id: 'checkout-web-latency', service: 'checkout-web', interval_start: d('09:00'), interval_end: d('10:00'), good: 1, total: 1 }])
    const result = await deriveIncidentSlis(ctx.db.db, { from: d('10:00'), to: d('13:00'), now: d('11:45') })
    expect(result).toEqual({ services: ['identity-api', 'payments-api'], samples: 2 })
    expect(await samples('checkout-web')).toEqual([])
    expect(await samples('identity-api')).toEqual([['10:00', 40, 60]])
  })
})
