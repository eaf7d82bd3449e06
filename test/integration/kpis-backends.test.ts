import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDemo } from '../../collectors/demo/load-demo.ts'
import { createKpiEngine } from '../../server/kpis/create-engine.ts'
import { kpiListResponse } from '../../server/kpis/present.ts'
import type { PeriodKind } from '../../server/metrics/periods.ts'
import { testConfig } from '../support/config.ts'
import { createTestDatabase } from '../support/databases.ts'

const DEMO_NOW = new Date('2026-11-15T00:00:00Z')
const CLOCK = new Date('2026-11-22T12:00:00Z')

/**
 * The same queries on the same data give the same numbers on PGlite and on PostgreSQL: every KPI,
 * every period kind, the organisation, a team, a service and a repository, in a non-UTC zone.
 */
describe('KPIs on PGlite and PostgreSQL', () => {
  const dbs: Awaited<ReturnType<typeof createTestDatabase>>[] = []
  beforeAll(async () => {
    for (const backend of ['pglite', 'postgres'] as const) {
      const db = await createTestDatabase(backend)
      await loadDemo(db.db, { seed: 7, scale: 'small', now: DEMO_NOW })
      dbs.push(db)
    }
  }, 120_000)
  afterAll(async () => {
    for (const db of dbs) await db.drop()
  })

  it.each([
    ['month', 'org'],
    ['week', 'team:payments'],
    ['quarter', 'service:checkout-web'],
    ['month', 'repo:acme-demo/identity-api'],
  ] as const)('%s × %s', async (period: PeriodKind, scope) => {
    const config = testConfig({ timezone: 'America/New_York' })
    const [a, b] = await Promise.all(
      dbs.map(async (db) => kpiListResponse(await createKpiEngine({ db: db.db, config, clock: () => CLOCK }).series({ scope, period }))),
    )
    expect(a!.kpis.filter((k) => k.error !== undefined)).toEqual([])
    expect(a!.kpis.some((k) => k.series.some((s) => s.value !== null && s.value !== 0))).toBe(true)
    expect(b).toEqual(a)
  }, 60_000)
})
