import { createHash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../server/db/schema.ts'
import { loadDemo, removeDemo } from '../../collectors/demo/load-demo.ts'
import { upsertDeployments } from '../../collectors/shared/store/deployments.ts'
import { upsertMeasurements } from '../../collectors/shared/store/measurements.ts'
import { upsertRepositories } from '../../collectors/shared/store/repositories.ts'
import { getSyncState } from '../../collectors/shared/sync-state.ts'
import { BACKENDS, createTestDatabase, forEachBackend } from '../support/databases.ts'

const NOW = new Date('2026-06-15T00:00:00Z')

/** Rows the small demo (seed 42, NOW) writes per table: part of the determinism contract. */
const SMALL_COUNTS: Record<string, number> = {
  team: 4,
  team_repo: 12,
  team_service: 12,
  repository: 12,
  commit: 2918,
  pull_request: 3174,
  deployment: 2775,
  deployment_status: 8325,
  deployment_change: 2898,
  workflow_run: 4387,
  milestone: 80,
  issue: 1333,
  incident: 156,
  incident_deployment: 91,
  deployment_failure: 176,
  vulnerability_alert: 110,
  repository_observation: 144,
  sli_sample: 26_280,
  measurement: 43,
}

/** Every table the demo can write to, in an order where parents come before children. */
const TABLES = [
  'team',
  'team_repo',
  'team_service',
  'repository',
  'commit',
  'pull_request',
  'deployment',
  'deployment_status',
  'deployment_change',
  'deployment_failure',
  'workflow_run',
  'milestone',
  'issue',
  'incident',
  'incident_deployment',
  'vulnerability_alert',
  'repository_observation',
  'sli_sample',
  'measurement',
  'measurement_history',
  'sync_state',
] as const

/** Stamps of when a row was written, and generated ids: not part of a row's content. */
const VOLATILE = new Set(['id', 'collected_at', 'linked_at', 'entered_at', 'changed_at', 'last_started_at', 'last_success_at'])

/** Columns holding another row's generated id, and the table whose natural key replaces it. */
const REFERENCES: Record<string, 'repository' | 'pull_request' | 'deployment' | 'incident' | 'milestone' | 'measurement'> = {
  repo_id: 'repository',
  pull_request_id: 'pull_request',
  deployment_id: 'deployment',
  remediation_deployment_id: 'deployment',
  incident_id: 'incident',
  milestone_id: 'milestone',
  measurement_id: 'measurement',
}

/** Ids inside a deployment_failure cause_key (`rollback:<deployment id>`, `revert:pr:<id>`, `hotfix:pr:<id>[:incident:<id>]`, `incident:<id>`). */
const CAUSE_KEY_IDS: Record<string, 'pull_request' | 'deployment' | 'incident'> = { rollback: 'deployment', pr: 'pull_request', incident: 'incident' }

/** A cause_key with the ids it embeds replaced by the natural keys of the rows they name. */
function canonicalCauseKey(key: string, naturalKeys: Record<string, Map<number, string>>): string {
  return key.replace(/(rollback|pr|incident):(\d+)/g, (_, kind: string, id: string) => `${kind}:${naturalKeys[CAUSE_KEY_IDS[kind]!]!.get(Number(id)) ?? `missing:${id}`}`)
}

function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]))
  }
  return value
}

/**
 * Per table: the row count and a hash of its rows' content, with generated ids (also those inside
 * attribution's cause keys) replaced by the natural key of the row they point at and write stamps
 * left out, so two databases loaded with the same data give the same fingerprint whatever ids
 * they handed out.
 */
async function fingerprint(db: Kysely<Database>): Promise<Record<string, { rows: number; sha256: string }>> {
  const any = db as unknown as Kysely<any>
  const naturalKeys = {
    repository: new Map((await db.selectFrom('repository').select(['id', 'full_name']).execute()).map((r) => [r.id, r.full_name])),
    pull_request: new Map((await db.selectFrom('pull_request').select(['id', 'external_id']).execute()).map((r) => [r.id, r.external_id])),
    deployment: new Map((await db.selectFrom('deployment').select(['id', 'external_id']).execute()).map((r) => [r.id, r.external_id])),
    incident: new Map((await db.selectFrom('incident').select(['id', 'external_id']).execute()).map((r) => [r.id, r.external_id])),
    milestone: new Map((await db.selectFrom('milestone').select(['id', 'external_id']).execute()).map((r) => [r.id, r.external_id])),
    measurement: new Map(
      (await db.selectFrom('measurement').select(['id', 'kpi_id', 'scope', 'period_start', 'period_end']).execute()).map((r) => [
        r.id,
        `${r.kpi_id}|${r.scope}|${r.period_start}|${r.period_end}`,
      ]),
    ),
  }
  const out: Record<string, { rows: number; sha256: string }> = {}
  for (const table of TABLES) {
    const rows = await any.selectFrom(table).selectAll().execute()
    const lines = rows.map((row: Record<string, unknown>) => {
      const content: Record<string, unknown> = {}
      for (const [column, value] of Object.entries(row)) {
        if (VOLATILE.has(column) || (table === 'sync_state' && column.endsWith('_at'))) continue
        const target = REFERENCES[column]
        content[column] = target && value !== null ? naturalKeys[target].get(value as number) ?? `missing:${value}` : value
        if (table === 'deployment_failure' && column === 'cause_key') content[column] = canonicalCauseKey(value as string, naturalKeys)
      }
      return JSON.stringify(canonical(content))
    })
    lines.sort()
    out[table] = { rows: lines.length, sha256: createHash('sha256').update(lines.join('\n')).digest('hex') }
  }
  return out
}

const rowCounts = async (db: Kysely<Database>) => Object.fromEntries(Object.entries(await fingerprint(db)).map(([t, f]) => [t, f.rows]))

/** What the database holds after one small load: the written rows, the demo marker, no history. */
const SMALL_TABLE_ROWS = { ...SMALL_COUNTS, measurement_history: 0, sync_state: 1 }

forEachBackend('demo organisation (small)', (ctx) => {
  let first: Awaited<ReturnType<typeof loadDemo>>

  beforeAll(async () => {
    first = await loadDemo(ctx.db.db, { seed: 42, scale: 'small', now: NOW })
  })

  it('writes exactly the expected rows per table', async () => {
    expect(first.counts).toEqual(SMALL_COUNTS)
    expect(first.rows).toBe(Object.values(SMALL_COUNTS).reduce((s, n) => s + n, 0))
    expect(await rowCounts(ctx.db.db)).toEqual(SMALL_TABLE_ROWS)
  })

  it('loads well within the first-start budget', () => {
    expect(first.seconds).toBeLessThan(15)
    expect(first.rowsPerSecond).toBeGreaterThan(0)
  })

  it('marks the demo loaded in sync_state with its seed, scale and now', async () => {
    const state = await getSyncState(ctx.db.db, 'demo', 'org')
    expect(state?.cursor).toEqual({ seed: 42, scale: 'small', now: NOW.toISOString() })
    expect(state?.last_success_at).toBeInstanceOf(Date)
    expect(state?.rows_written).toBe(first.rows)
  })

  it('labels every row as demo data', async () => {
    const db = ctx.db.db
    for (const table of ['repository', 'pull_request', 'deployment', 'deployment_status', 'workflow_run', 'milestone', 'issue', 'incident', 'vulnerability_alert'] as const) {
      const row = await (db as unknown as Kysely<any>)
        .selectFrom(table)
        .select(sql<number>`count(*)::int`.as('n'))
        .where('external_id', 'not like', 'demo:%')
        .executeTakeFirstOrThrow()
      expect(row.n, table).toBe(0)
    }
    expect(await db.selectFrom('team').select('source').distinct().execute()).toEqual([{ source: 'demo' }])
    expect(await db.selectFrom('sli_sample').select('source').distinct().execute()).toEqual([{ source: 'demo' }])
    expect(await db.selectFrom('measurement').select(['source', 'entered_by']).distinct().execute()).toEqual([{ source: 'demo', entered_by: 'demo' }])
  })

  it('keeps the DESIGN invariants of changes, deployments and incidents', async () => {
    const { rows } = await sql<Record<string, number>>`
      select
        (select count(*)::int from pull_request where not (first_commit_at <= created_at
           and created_at <= coalesce(first_review_at, created_at) and coalesce(first_review_at, created_at) <= coalesce(merged_at, 'infinity'))) as bad_order,
        (select count(*)::int from pull_request where first_reviewer = author) as self_review,
        (select count(*)::int from pull_request p where state = 'merged' and not exists
           (select 1 from commit c where c.repo_id = p.repo_id and c.sha = p.merge_commit_sha)) as merge_outside_history,
        (select count(*)::int from deployment d where not exists (select 1 from commit c where c.repo_id = d.repo_id and c.sha = d.sha)) as deploy_outside_history,
        (select count(*)::int from deployment_change dc join pull_request p on p.id = dc.pull_request_id join deployment d on d.id = dc.deployment_id
           where d.finished_at < p.merged_at or d.status <> 'success' or not d.is_production) as bad_shipping,
        (select count(*)::int from incident_deployment l join incident i on i.id = l.incident_id join deployment d on d.id = l.deployment_id
           where l.method = 'window' and not (d.finished_at between i.started_at - interval '24 hours' and i.started_at)) as bad_window,
        (select count(*)::int from pull_request where revert_of_number is not null and not (title like 'Revert "%' and body = 'Reverts ' || revert_of_repo || '#' || revert_of_number)) as bad_revert,
        (select count(distinct severity)::int from incident) as severities,
        (select count(distinct source)::int from incident) as incident_sources,
        (select count(*)::int from deployment_failure where reason = 'rollback') as rollbacks,
        (select count(*)::int from incident where resolved_at is null) as open_incidents,
        (select count(*)::int from incident_deployment where method = 'explicit') as explicit_links`.execute(ctx.db.db)
    expect(rows[0]).toMatchObject({ bad_order: 0, self_review: 0, merge_outside_history: 0, deploy_outside_history: 0, bad_shipping: 0, bad_window: 0, bad_revert: 0, severities: 5, incident_sources: 2 })
    expect(rows[0]!.rollbacks).toBeGreaterThan(0)
    expect(rows[0]!.open_incidents).toBeGreaterThan(0)
    expect(rows[0]!.explicit_links).toBeGreaterThan(0)
  })

  it('is idempotent: loading the same demo again leaves the same rows', async () => {
    const before = await fingerprint(ctx.db.db)
    const again = await loadDemo(ctx.db.db, { seed: 42, scale: 'small', now: NOW })
    expect(again.counts).toEqual(SMALL_COUNTS)
    expect(await fingerprint(ctx.db.db)).toEqual(before)
  })

  it('removeDemo leaves no row in any table', async () => {
    await removeDemo(ctx.db.db)
    expect(await rowCounts(ctx.db.db)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])))
    expect(await getSyncState(ctx.db.db, 'demo', 'org')).toBeUndefined()
  })
})

for (const backend of BACKENDS) {
  describe(`demo determinism [${backend}]`, () => {
    const dbs: Awaited<ReturnType<typeof createTestDatabase>>[] = []
    afterAll(async () => {
      for (const db of dbs) await db.drop()
    })

    it('gives identical rows for the same seed and now in two fresh databases, and different rows for another seed', async () => {
      dbs.push(await createTestDatabase(backend), await createTestDatabase(backend))
      const [a, b] = dbs as [(typeof dbs)[0], (typeof dbs)[0]]
      await loadDemo(a.db, { seed: 42, scale: 'small', now: NOW })
      await loadDemo(b.db, { seed: 42, scale: 'small', now: NOW })
      const same = await fingerprint(a.db)
      expect(await fingerprint(b.db)).toEqual(same)

      // Another seed replaces the loaded demo rather than mixing with it.
      await loadDemo(b.db, { seed: 7, scale: 'small', now: NOW })
      const other = await fingerprint(b.db)
      for (const table of ['pull_request', 'deployment', 'incident', 'sli_sample', 'measurement'] as const) {
        expect(other[table]!.sha256, table).not.toBe(same[table]!.sha256)
      }
      expect((await getSyncState(b.db, 'demo', 'org'))?.cursor).toEqual({ seed: 7, scale: 'small', now: NOW.toISOString() })
    })
  })
}

forEachBackend('shared upsert rules', (ctx) => {
  it('keeps a deployment’s first terminal status and finish time', async () => {
    const db = ctx.db.db
    const repoId = (await upsertRepositories(db, [{ source: 'test', external_id: 'r1', owner: 'acme', name: 'api', full_name: 'acme/api' }])).get('acme/api')!
    const base = {
      source: 'github_deployment' as const,
      external_id: 'dep-1',
      repo_id: repoId,
      service: 'api',
      environment: 'production',
      is_production: true,
      sha: 'a'.repeat(40),
      created_at: new Date('2026-01-01T10:00:00Z'),
    }
    const t1 = new Date('2026-01-01T10:05:00Z')
    const t2 = new Date('2026-01-01T11:00:00Z')
    await upsertDeployments(db, [{ ...base, status: null, finished_at: null }])
    const ids = await upsertDeployments(db, [{ ...base, status: 'success', finished_at: t1 }])
    await upsertDeployments(db, [{ ...base, status: 'failure', finished_at: t2 }])
    await upsertDeployments(db, [{ ...base, status: null, finished_at: null, creator: 'later' }])
    const row = await db.selectFrom('deployment').select(['id', 'status', 'finished_at', 'creator']).where('external_id', '=', 'dep-1').executeTakeFirstOrThrow()
    expect(row).toEqual({ id: ids.get('dep-1'), status: 'success', finished_at: t1, creator: 'later' })
  })

  it('appends measurement history only when a value changes', async () => {
    const db = ctx.db.db
    const row = (value: number) => ({
      kpi_id: 'cost.unit_cost',
      scope: 'org',
      period_start: '2026-01-01',
      period_end: '2026-02-01',
      value,
      components: JSON.stringify({ cost: value * 10, units: 10 }),
      source: 'test',
      entered_by: 'cto',
    })
    expect(await upsertMeasurements(db, [row(1)])).toEqual({ inserted: 1, corrected: 0 })
    expect(await upsertMeasurements(db, [row(2)])).toEqual({ inserted: 0, corrected: 1 })
    expect(await upsertMeasurements(db, [row(2)])).toEqual({ inserted: 0, corrected: 0 })
    const history = await db.selectFrom('measurement_history').select(['value_before', 'value_after', 'components_before', 'components_after', 'changed_by', 'source']).execute()
    expect(history).toEqual([
      { value_before: 1, value_after: 2, components_before: { cost: 10, units: 10 }, components_after: { cost: 20, units: 10 }, changed_by: 'cto', source: 'test' },
    ])
    expect(await db.selectFrom('measurement').select('value').execute()).toEqual([{ value: 2 }])
  })
})
