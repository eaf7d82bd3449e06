import { afterEach, expect, it, vi } from 'vitest'
import type { Kysely } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { createKpiEngine } from '../../server/kpis/create-engine.ts'
import { collectAndPublish } from '../../server/kpis/publish-values.ts'
import { bumpDataVersion, publishDataVersion, readDataVersion } from '../../server/repositories/data-version.repository.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const CLOCK = new Date('2026-11-22T12:00:00Z')
const config = testConfig()
const clock = () => CLOCK
const FREQ = 'dora.deployment_frequency'
const CFR = 'dora.change_failure_rate'

let n = 0
/** One successful production deployment of `checkout` at `at`. */
async function deploy(db: Kysely<Database>, at: string) {
  n++
  await db
    .insertInto('deployment')
    .values({ source: 'api', external_id: `publish-test-${n}`, repo_id: null, service: 'checkout', environment: 'production', is_production: true, sha: null, ref: null, status: 'success', created_at: new Date(at), started_at: null, finished_at: new Date(at), creator: null, url: null })
    .execute()
}

/** The November 2026 point of one KPI for the organisation, by month. */
async function november(engine: ReturnType<typeof createKpiEngine>, id: string) {
  const r = await engine.series({ scope: 'org', period: 'month', ids: [id] })
  return r.kpis[0]!.points.find((p) => p.period.label === '2026-11')!
}

afterEach(() => {
  vi.restoreAllMocks()
})

forEachBackend('publishing KPI values with a collect', (ctx) => {
  it('holds a run’s bumps back, then publishes one version with the values asked for precomputed', async () => {
    const db = ctx.db.db
    const server = createKpiEngine({ db, config, clock })
    await deploy(db, '2026-11-02T10:00:00Z')
    await bumpDataVersion(db)
    expect((await november(server, FREQ)).sampleSize).toBe(1)
    await november(server, CFR)
    await server.flushTouches()

    const before = await readDataVersion(db)
    const { result, publish } = await collectAndPublish(
      db,
      config,
      async () => {
        await deploy(db, '2026-11-03T10:00:00Z')
        await bumpDataVersion(db)
        await deploy(db, '2026-11-04T10:00:00Z')
        await bumpDataVersion(db)
        // Mid-run the server still sees the old version (and serves its cached values).
        expect(await readDataVersion(db)).toBe(before)
        expect((await november(server, FREQ)).sampleSize).toBe(1)
        return 'done'
      },
      { clock },
    )
    expect(result).toBe('done')
    expect(publish.version).toBe(String(Number(before) + 1))
    expect(await readDataVersion(db)).toBe(publish.version)
    expect(publish.hotKeys).toBeGreaterThanOrEqual(2)
    expect(publish.precomputed).toBe(publish.hotKeys)

    // Right after the collect, the server answers the new data: 3 deployments in November.
    expect((await november(server, FREQ)).sampleSize).toBe(3)
    // It answered from the stored values: tamper with them and the server shows the tampering.
    const key = (await db.selectFrom('kpi_value_cache').select(['key', 'values']).where('key', 'like', `${CFR}|org|%`).executeTakeFirstOrThrow())
    const tampered = (JSON.parse(key.values) as { sampleSize: number }[]).map((v) => ({ ...v, sampleSize: 4242 }))
    await db.updateTable('kpi_value_cache').set({ values: JSON.stringify(tampered) }).where('key', '=', key.key).execute()
    const fresh = createKpiEngine({ db, config, clock })
    expect((await november(fresh, CFR)).sampleSize).toBe(4242)
    // And the stored values equal a computation from scratch.
    await db.deleteFrom('kpi_value_cache').execute()
    const scratch = createKpiEngine({ db, config, clock })
    expect(await scratch.series({ scope: 'org', period: 'month', ids: [FREQ] })).toEqual(await server.series({ scope: 'org', period: 'month', ids: [FREQ] }))
  })

  it('stores nothing when another write lands while the values are computed, and ignores values from other settings', async () => {
    const db = ctx.db.db
    const expected = await readDataVersion(db)
    await bumpDataVersion(db)
    const values = [{ key: `${FREQ}|org|x|y|month`, fingerprint: 'f', values: '[]', computedAt: CLOCK }]
    const { version, stored } = await publishDataVersion(db, expected, values)
    expect(stored).toBe(false)
    expect(version).toBe(String(Number(expected) + 2))
    expect(await db.selectFrom('kpi_value_cache').select('key').where('version', '=', version).execute()).toEqual([])

    // Values stored under other settings (another fingerprint) are not used: the server computes its own.
    const server = createKpiEngine({ db, config, clock })
    const truth = (await november(server, FREQ)).sampleSize
    await server.flushTouches()
    const { key } = await db.selectFrom('kpi_hot_key').select('key').where('key', 'like', `${FREQ}|org|%`).executeTakeFirstOrThrow()
    const tokyo = createKpiEngine({ db, config: testConfig({ timezone: 'Asia/Tokyo' }), clock })
    const scope = await server.resolveScope('org')
    const definition = server.definition(FREQ)!
    expect(tokyo.fingerprint(definition, scope)).not.toBe(server.fingerprint(definition, scope))
    const periods = 13
    const bogus = JSON.stringify(Array.from({ length: periods }, () => ({ value: 99, sampleSize: 4242 })))
    await publishDataVersion(db, await readDataVersion(db), [{ key, fingerprint: tokyo.fingerprint(definition, scope), values: bogus, computedAt: new Date() }])
    expect((await november(createKpiEngine({ db, config, clock }), FREQ)).sampleSize).toBe(truth)
    // The same row with the server's fingerprint is used (so the check above is what kept it out).
    await publishDataVersion(db, await readDataVersion(db), [{ key, fingerprint: server.fingerprint(definition, scope), values: bogus, computedAt: new Date() }])
    expect((await november(createKpiEngine({ db, config, clock }), FREQ)).sampleSize).toBe(4242)
    await db.deleteFrom('kpi_value_cache').execute()
  })

  it('publishes a failed run’s committed rows without values, and lets an enclosing run publish', async () => {
    const db = ctx.db.db
    const before = Number(await readDataVersion(db))
    await expect(
      collectAndPublish(db, config, async () => {
        await bumpDataVersion(db)
        throw new Error('GitHub went away')
      }),
    ).rejects.toThrow('GitHub went away')
    expect(Number(await readDataVersion(db))).toBe(before + 1)

    const outer = await collectAndPublish(
      db,
      config,
      async () => {
        const inner = await collectAndPublish(db, config, () => bumpDataVersion(db))
        expect(inner.publish.version).toBeNull()
        expect(Number(await readDataVersion(db))).toBe(before + 1)
      },
      { clock },
    )
    expect(outer.publish.version).toBe(String(before + 2))
    // A run that wrote nothing publishes nothing.
    const quiet = await collectAndPublish(db, config, async () => undefined)
    expect(quiet.publish.version).toBeNull()
    expect(Number(await readDataVersion(db))).toBe(before + 2)
  })

  it('after five minutes serves the cached value while refreshing it in the background', async () => {
    const db = ctx.db.db
    const server = createKpiEngine({ db, config, clock })
    const first = (await november(server, FREQ)).sampleSize
    // A row the version does not announce: only a refresh can see it.
    await deploy(db, '2026-11-05T10:00:00Z')
    const now = Date.now()
    vi.spyOn(Date, 'now').mockReturnValue(now + 6 * 60_000)
    expect((await november(server, FREQ)).sampleSize).toBe(first)
    await vi.waitFor(async () => expect((await november(server, FREQ)).sampleSize).toBe(first + 1))
  })
})
