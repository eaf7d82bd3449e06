import { createHash } from 'node:crypto'
import type { Insertable, Kysely } from 'kysely'
import { expect, it } from 'vitest'
import {
  attributeIncidents,
  deploymentRework,
  incidentLinkCoverage,
  recomputeAttribution,
} from '../../collectors/attribution/index.ts'
import { insertCommits } from '../../collectors/shared/store/commits.ts'
import { upsertDeployments } from '../../collectors/shared/store/deployments.ts'
import { upsertIncidents } from '../../collectors/shared/store/incidents.ts'
import { upsertPullRequests } from '../../collectors/shared/store/pull-requests.ts'
import type { Database, DeploymentTable, IncidentTable, PullRequestTable } from '../../server/db/schema.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const sha = (name: string) => createHash('sha1').update(name).digest('hex')
/** 2026-03-<day> <hour>:00 UTC. */
const at = (day: number, hour = 0) => new Date(Date.UTC(2026, 2, day, hour))

const config = testConfig({
  teams: [{ id: 'payments', name: 'Payments', repos: ['acme/*'], services: ['billing'] }],
  sources: { github: { token: 'x', repos: ['acme/*'] } },
})

// ---- factories -------------------------------------------------------------------------------

async function repository(db: Kysely<Database>, fullName: string): Promise<number> {
  const [owner, name] = fullName.split('/')
  const row = await db
    .insertInto('repository')
    .values({ source: 'github', external_id: `R_${fullName}`, owner: owner!, name: name!, full_name: fullName, default_branch: 'main' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

async function team(db: Kysely<Database>, id: string, repos: string[], services: string[]): Promise<void> {
  await db.insertInto('team').values({ id, name: id, source: 'config' }).execute()
  if (repos.length) await db.insertInto('team_repo').values(repos.map((pattern) => ({ team_id: id, pattern }))).execute()
  if (services.length) await db.insertInto('team_service').values(services.map((service) => ({ team_id: id, service }))).execute()
}

/** `name: parent parent` lines. */
async function commits(db: Kysely<Database>, repoId: number, spec: string): Promise<void> {
  await insertCommits(
    db,
    spec
      .trim()
      .split('\n')
      .map((line) => {
        const [name, parents = ''] = line.split(':').map((s) => s.trim())
        return { repo_id: repoId, sha: sha(name!), parents: parents.split(/\s+/).filter(Boolean).map(sha) }
      }),
  )
}

async function pr(db: Kysely<Database>, repoId: number, number: number, fields: Partial<Insertable<PullRequestTable>> & { merged_at: Date | null }): Promise<number> {
  const ids = await upsertPullRequests(db, [
    {
      source: 'github',
      external_id: `PR_${repoId}_${number}`,
      repo_id: repoId,
      number,
      title: `Change ${number}`,
      body: null,
      state: fields.merged_at ? 'merged' : 'open',
      base_branch: 'main',
      labels: [],
      created_at: at(1),
      updated_at: at(1),
      merge_commit_sha: null,
      ...fields,
    },
  ])
  return ids.get(`PR_${repoId}_${number}`)!
}

async function deployment(db: Kysely<Database>, repoId: number | null, externalId: string, fields: Partial<Insertable<DeploymentTable>> & { finished_at: Date }): Promise<number> {
  const ids = await upsertDeployments(db, [
    {
      source: 'github_deployment',
      external_id: externalId,
      repo_id: repoId,
      service: 'api',
      environment: 'production',
      is_production: true,
      status: 'success',
      created_at: fields.finished_at,
      ...fields,
    },
  ])
  return ids.get(externalId)!
}

async function incident(db: Kysely<Database>, externalId: string, fields: Partial<Insertable<IncidentTable>> & { started_at: Date }): Promise<number> {
  const ids = await upsertIncidents(db, [{ source: 'pagerduty', external_id: externalId, title: externalId, service: 'api', ...fields }])
  return ids.get(externalId)!
}

// ---- reading the links back, by names ----------------------------------------------------------

interface Names {
  prs: Map<number, string>
  deployments: Map<number, string>
  incidents: Map<number, string>
}

async function names(db: Kysely<Database>): Promise<Names> {
  const [prs, deps, incs] = await Promise.all([
    db.selectFrom('pull_request').select(['id', 'number']).execute(),
    db.selectFrom('deployment').select(['id', 'external_id']).execute(),
    db.selectFrom('incident').select(['id', 'external_id']).execute(),
  ])
  return {
    prs: new Map(prs.map((p) => [p.id, `#${p.number}`])),
    deployments: new Map(deps.map((d) => [d.id, d.external_id])),
    incidents: new Map(incs.map((i) => [i.id, i.external_id])),
  }
}

/** Every link and failure as readable strings, plus each row's linked_at. */
async function snapshot(db: Kysely<Database>) {
  const n = await names(db)
  const key = (k: string) =>
    k.replace(/pr:(\d+)/g, (_, id) => `pr:${n.prs.get(Number(id))}`).replace(/incident:(\d+)/g, (_, id) => `incident:${n.incidents.get(Number(id))}`).replace(/rollback:(\d+)/g, (_, id) => `rollback:${n.deployments.get(Number(id))}`)
  const [changes, failures, incidents] = await Promise.all([
    db.selectFrom('deployment_change').selectAll().execute(),
    db.selectFrom('deployment_failure').selectAll().execute(),
    db.selectFrom('incident_deployment').selectAll().execute(),
  ])
  return {
    changes: changes.map((c) => `${n.prs.get(c.pull_request_id)} → ${n.deployments.get(c.deployment_id)} ${c.method}`).sort(),
    failures: failures
      .map((f) => `${n.deployments.get(f.deployment_id)} ${f.reason} ${key(f.cause_key)} ← ${f.remediation_deployment_id === null ? '-' : n.deployments.get(f.remediation_deployment_id)}`)
      .sort(),
    incidents: incidents.map((l) => `${n.incidents.get(l.incident_id)} → ${n.deployments.get(l.deployment_id)} ${l.method}`).sort(),
    linkedAt: [
      ...changes.map((c) => `change ${c.pull_request_id} ${c.linked_at.toISOString()}`),
      ...failures.map((f) => `failure ${f.deployment_id} ${f.cause_key} ${f.linked_at.toISOString()}`),
      ...incidents.map((l) => `incident ${l.incident_id} ${l.linked_at.toISOString()}`),
    ].sort(),
  }
}

async function clearLinks(db: Kysely<Database>): Promise<void> {
  await db.deleteFrom('deployment_change').execute()
  await db.deleteFrom('deployment_failure').execute()
  await db.deleteFrom('incident_deployment').execute()
}

// ---- the scenario ---------------------------------------------------------------------------------

const EXPECTED_CHANGES = [
  '#1 → d1 sha',
  '#10 → d7 sha',
  '#12 → d7 time',
  '#2 → d2 sha',
  '#3 → d3 sha',
  '#4 → d5 sha',
  '#5 → d6 sha',
  '#7 → d6 time',
]
const EXPECTED_FAILURES = [
  'd1 incident incident:API-1 ← -',
  'd2 hotfix hotfix:pr:#12 ← d7',
  'd2 incident incident:PD-2 ← -',
  'd3 hotfix hotfix:pr:#5:incident:GH-9 ← d6',
  'd3 incident incident:GH-9 ← -',
  'd3 revert revert:pr:#4 ← d5',
  'd3 rollback rollback:d4 ← d4',
  'd5 incident incident:API-2 ← -',
  'd7 incident incident:PD-1 ← -',
]
const EXPECTED_INCIDENTS = ['API-1 → d1 explicit', 'API-2 → d5 explicit', 'GH-9 → d3 explicit', 'PD-1 → d7 window', 'PD-2 → d2 window']

forEachBackend('attribution', (ctx) => {
  const ids: Record<string, number> = {}

  it('links changes, failures and incidents exactly as DESIGN §4 says', async () => {
    const db = ctx.db.db
    const api = await repository(db, 'acme/api')
    await repository(db, 'other/tool')
    await team(db, 'payments', ['acme/*'], ['billing'])
    // main: c1 ← c2 ← c3 ← c4 ← … ← c8, where c4 merges the feature branch f1 (from c2).
    await commits(db, api, `
      c1:
      c2: c1
      c3: c2
      f1: c2
      c4: c3 f1
      c5: c4
      c6: c5
      c7: c6
      c8: c7
    `)
    ids.pr1 = await pr(db, api, 1, { title: 'Add login', merge_commit_sha: sha('c2'), merged_at: at(1, 10) })
    ids.pr2 = await pr(db, api, 2, { title: 'Feature X', merge_commit_sha: sha('c4'), merged_at: at(2, 10) })
    ids.pr3 = await pr(db, api, 3, { title: 'Break things', merge_commit_sha: sha('c5'), merged_at: at(3, 9) })
    ids.pr4 = await pr(db, api, 4, { title: 'Revert "Break things"', body: 'Reverts acme/api#3', merge_commit_sha: sha('c6'), merged_at: at(4, 9) })
    ids.pr5 = await pr(db, api, 5, { title: 'Stop the bleeding', body: 'Fixes #9', labels: ['hotfix'], merge_commit_sha: sha('c7'), merged_at: at(5, 9) })
    // Merged 30 days before the first deployment: outside its 14-day look-back.
    ids.pr6 = await pr(db, api, 6, { title: 'Ancient', merge_commit_sha: sha('c1'), merged_at: new Date(at(1, 12).getTime() - 30 * 86_400_000) })
    ids.pr7 = await pr(db, api, 7, { title: 'No merge SHA', merged_at: at(5, 10) })
    ids.pr8 = await pr(db, api, 8, { title: 'Into a release branch', base_branch: 'release', merge_commit_sha: sha('c3'), merged_at: at(2, 11) })
    ids.pr10 = await pr(db, api, 10, { title: 'Follow up', body: 'Follow-up to incident #9.', merge_commit_sha: sha('c8'), merged_at: at(6, 8) })
    ids.pr11 = await pr(db, api, 11, { title: 'Still open', merged_at: null })
    ids.pr12 = await pr(db, api, 12, { title: 'Patch feature X', body: 'Hotfix for #2', labels: ['Hotfix'], merged_at: at(6, 9) })

    ids.d1 = await deployment(db, api, 'd1', { sha: sha('c2'), finished_at: at(1, 12) })
    ids.d2 = await deployment(db, api, 'd2', { sha: sha('c4'), finished_at: at(2, 12) })
    ids.d3 = await deployment(db, api, 'd3', { sha: sha('c5'), finished_at: at(3, 12) })
    ids.d4 = await deployment(db, api, 'd4', { sha: sha('c4'), finished_at: at(3, 13) })
    await deployment(db, api, 'staging-1', { sha: sha('c6'), environment: 'staging', is_production: false, finished_at: at(4, 10) })
    await deployment(db, api, 'failed-1', { sha: sha('c6'), status: 'failure', finished_at: at(4, 11) })
    ids.d5 = await deployment(db, api, 'd5', { sha: sha('c6'), finished_at: at(4, 12) })
    ids.d6 = await deployment(db, api, 'd6', { sha: sha('c7'), finished_at: at(5, 12) })
    ids.d7 = await deployment(db, api, 'd7', { sha: sha('c8'), finished_at: at(6, 12) })

    await db
      .insertInto('issue')
      .values({ source: 'github', external_id: 'I_9', repo_id: api, number: 9, title: 'Checkout down', body: `Impact: customers.\n\nroot cause: ${sha('c5').slice(0, 8)}`, state: 'closed', labels: ['incident', 'service:api'], created_at: at(3, 14), updated_at: at(3, 18) })
      .execute()
    ids.gh9 = await incident(db, 'GH-9', { source: 'github', reference: 'acme/api#9', repo_id: api, team_id: 'payments', started_at: at(3, 14), resolved_at: at(3, 18) })
    ids.pd1 = await incident(db, 'PD-1', { started_at: at(6, 15) })
    ids.pd2 = await incident(db, 'PD-2', { service: null, team_id: 'payments', started_at: at(2, 13) })
    ids.pd3 = await incident(db, 'PD-3', { service: 'billing', started_at: at(4, 12) })
    ids.api1 = await incident(db, 'API-1', { source: 'api', caused_by_pr: 1, started_at: at(7, 1) })
    ids.api2 = await incident(db, 'API-2', { source: 'api', caused_by_deployment: 'd5', started_at: at(7, 2) })

    const result = await recomputeAttribution(db, config, { now: new Date('2026-04-01T00:00:00Z') })
    const rows = await snapshot(db)
    expect(rows.changes).toEqual(EXPECTED_CHANGES)
    expect(rows.failures).toEqual(EXPECTED_FAILURES)
    expect(rows.incidents).toEqual(EXPECTED_INCIDENTS)
    expect(result.services.map((s) => s.service)).toEqual(['api', 'tool'])
    expect(result.services[0]).toMatchObject({ deployments: 7, changes: 9, shipped: { sha: 6, time: 2 }, rollbacks: 1 })
    expect(result.incidents).toMatchObject({ incidents: 6, explicit: 3, window: 2, unattributed: 1 })
    expect(result.unknownShas).toEqual([])
  })

  it('a second run leaves every row as it was, linked_at included', async () => {
    const db = ctx.db.db
    const before = await snapshot(db)
    const result = await recomputeAttribution(db, config, { now: new Date('2026-04-02T00:00:00Z') })
    expect(await snapshot(db)).toEqual(before)
    expect(result.services[0]!.links).toEqual({ written: 0, deleted: 0 })
    expect(result.services[0]!.failureRows).toEqual({ written: 0, deleted: 0 })
    expect(result.incidents.links).toEqual({ written: 0, deleted: 0 })
    expect(result.incidents.failures).toEqual({ written: 0, deleted: 0 })
  })

  it('reports rework per deployment and incident link coverage', async () => {
    const db = ctx.db.db
    const rework = await deploymentRework(db, config, { from: at(1), to: at(8) })
    const { deployments } = await names(db)
    const flagged = [...rework].flatMap(([id, f]) => {
      const on = Object.entries(f).filter(([, v]) => v).map(([k]) => k)
      return on.length ? [`${deployments.get(id)}: ${on.join(' ')}`] : []
    })
    expect(flagged.sort()).toEqual(['d4: rollback', 'd5: revert', 'd6: hotfix incidentLinked', 'd7: hotfix incidentLinked'])
    expect(rework.size).toBe(7)
    expect(await incidentLinkCoverage(db, config, { from: at(1), to: at(8) })).toEqual({ linked: 5, total: 6, coverage: 5 / 6 })
    expect(await incidentLinkCoverage(db, config, { from: at(1), to: at(8), scope: 'service:api' })).toEqual({ linked: 4, total: 4, coverage: 1 })
    expect(await incidentLinkCoverage(db, config, { from: at(1), to: at(8), scope: 'team:payments' })).toEqual({ linked: 5, total: 6, coverage: 5 / 6 })
    expect(await incidentLinkCoverage(db, config, { from: at(1), to: at(8), scope: 'repo:acme/api' })).toEqual({ linked: 4, total: 4, coverage: 1 })
    expect(await incidentLinkCoverage(db, config, { from: at(10), to: at(11) })).toEqual({ linked: 0, total: 0, coverage: null })
  })

  it('new data adds only the new links; a later run equals a clean run', async () => {
    const db = ctx.db.db
    const api = (await db.selectFrom('repository').select('id').where('full_name', '=', 'acme/api').executeTakeFirstOrThrow()).id
    const before = await snapshot(db)
    await commits(db, api, 'c9: c8')
    await pr(db, api, 13, { title: 'Next', merge_commit_sha: sha('c9'), merged_at: at(7, 9) })
    await deployment(db, api, 'd8', { sha: sha('c9'), finished_at: at(7, 12) })
    const d9 = await deployment(db, api, 'd9', { sha: 'abcdef0123456789abcdef0123456789abcdef01', finished_at: at(7, 14) })
    await incident(db, 'PD-4', { started_at: at(7, 13) })

    const result = await recomputeAttribution(db, config, { now: new Date('2026-04-03T00:00:00Z') })
    const after = await snapshot(db)
    expect(after.changes).toEqual([...before.changes, '#13 → d8 sha'].sort())
    expect(after.failures).toEqual([...before.failures, 'd8 incident incident:PD-4 ← -'].sort())
    expect(after.incidents).toEqual([...before.incidents, 'PD-4 → d8 window'].sort())
    const stamped = after.linkedAt.filter((l) => !before.linkedAt.includes(l))
    expect(stamped).toHaveLength(3)
    for (const l of stamped) expect(l).toContain('2026-04-03T00:00:00.000Z')
    expect(result.unknownShas).toEqual([{ repoId: api, sha: 'abcdef0123456789abcdef0123456789abcdef01', deploymentIds: [d9] }])

    // PD-1 moves outside every window: its link and its failure go.
    await db.updateTable('incident').set({ started_at: at(12) }).where('external_id', '=', 'PD-1').execute()
    // PR #4 turns out not to be a revert of #3 (the collector re-parsed it): its revert failure goes.
    await db.updateTable('pull_request').set({ title: 'Undo break', body: 'Partially undoes the change.' }).where('number', '=', 4).execute()
    await recomputeAttribution(db, config, { now: new Date('2026-04-04T00:00:00Z') })
    const incremental = await snapshot(db)
    expect(incremental.failures).not.toContain('d7 incident incident:PD-1 ← -')
    expect(incremental.failures).not.toContain('d3 revert revert:pr:#4 ← d5')
    expect(incremental.incidents).not.toContain('PD-1 → d7 window')

    await clearLinks(db)
    await recomputeAttribution(db, config, { now: new Date('2026-04-05T00:00:00Z') })
    const clean = await snapshot(db)
    expect({ ...clean, linkedAt: [] }).toEqual({ ...incremental, linkedAt: [] })
  })

  it('a run limited to one service or to some incidents gives the same rows', async () => {
    const db = ctx.db.db
    const full = await snapshot(db)
    await clearLinks(db)
    await recomputeAttribution(db, config, { services: ['api'], now: new Date('2026-04-06T00:00:00Z') })
    expect({ ...(await snapshot(db)), linkedAt: [] }).toEqual({ ...full, linkedAt: [] })

    await db.deleteFrom('incident_deployment').execute()
    await db.deleteFrom('deployment_failure').where('reason', '=', 'incident').execute()
    const result = await attributeIncidents(db, config, { incidentIds: [ids.pd2!, ids.gh9!] })
    expect(result).toMatchObject({ incidents: 2, explicit: 1, window: 1, unattributed: 0 })
    const rows = await snapshot(db)
    expect(rows.incidents).toEqual(['GH-9 → d3 explicit', 'PD-2 → d2 window'])
    expect(rows.failures.filter((f) => f.includes(' incident '))).toEqual(['d2 incident incident:PD-2 ← -', 'd3 incident incident:GH-9 ← -'])
  })
})

forEachBackend('attribution at scale', (ctx) => {
  it('handles 20k commits, 2k deployments and 5k PRs', async () => {
    const db = ctx.db.db
    const repoId = await repository(db, 'acme/big')
    const COMMITS = 20_000
    const DEPLOYS = 2_000
    const PRS = 5_000
    const hex = (i: number) => createHash('sha1').update(`big-${i}`).digest('hex')
    const t0 = at(1).getTime()
    const minute = 60_000
    // Every 4th commit merges a side commit (a PR branch) forked from 3 commits back.
    const commitRows = Array.from({ length: COMMITS }, (_, i) => ({
      repo_id: repoId,
      sha: hex(i),
      parents: i === 0 ? [] : i % 4 === 0 ? [hex(i - 1), createHash('sha1').update(`side-${i}`).digest('hex')] : [hex(i - 1)],
    }))
    const sideRows = commitRows.filter((_, i) => i > 0 && i % 4 === 0).map((c, k) => ({ repo_id: repoId, sha: c.parents[1]!, parents: [hex((k + 1) * 4 - 3)] }))
    await insertCommits(db, [...commitRows, ...sideRows])
    // Commit i lands at t0 + i minutes; PR k merges commit 4k; deployment j runs commit 10j + 9
    // (every 50th deployment rolls back to the previous deployment's commit − 5).
    const prRows = Array.from({ length: PRS }, (_, k) => ({
      source: 'github',
      external_id: `big-${k}`,
      repo_id: repoId,
      number: k + 1,
      title: `Change ${k + 1}`,
      state: 'merged' as const,
      base_branch: 'main',
      labels: k % 97 === 0 ? ['hotfix'] : [],
      body: k % 97 === 0 && k > 0 ? `Fixes #${k}` : null,
      created_at: new Date(t0 + 4 * k * minute - minute),
      merged_at: new Date(t0 + 4 * k * minute),
      merge_commit_sha: k % 10 === 0 ? null : hex(4 * k),
      updated_at: new Date(t0),
    }))
    for (let i = 0; i < prRows.length; i += 1_000) await upsertPullRequests(db, prRows.slice(i, i + 1_000))
    const deployRows = Array.from({ length: DEPLOYS }, (_, j) => {
      const commit = j % 50 === 49 ? 10 * (j - 1) + 4 : 10 * j + 9
      return {
        source: 'github_deployment' as const,
        external_id: `big-d${j}`,
        repo_id: repoId,
        service: 'big',
        environment: 'production',
        is_production: true,
        sha: hex(commit),
        status: 'success' as const,
        created_at: new Date(t0 + (10 * j + 9) * minute + 30_000),
        finished_at: new Date(t0 + (10 * j + 9) * minute + 30_000),
      }
    })
    await upsertDeployments(db, deployRows)
    await upsertIncidents(
      db,
      Array.from({ length: 200 }, (_, k) => ({ source: 'pagerduty', external_id: `big-i${k}`, title: 'x', service: 'big', started_at: new Date(t0 + (100 * k + 15) * minute) })),
    )

    const started = performance.now()
    const result = await recomputeAttribution(db, config, { now: new Date('2026-06-01T00:00:00Z') })
    const first = performance.now() - started
    const again = performance.now()
    const rerun = await recomputeAttribution(db, config, { now: new Date('2026-06-02T00:00:00Z') })
    const second = performance.now() - again
    console.log(
      `attribution [${ctx.backend}]: ${COMMITS} commits, ${DEPLOYS} deployments, ${PRS} PRs, 200 incidents — first run ${first.toFixed(0)} ms, unchanged re-run ${second.toFixed(0)} ms`,
    )
    const big = result.services.find((s) => s.service === 'big')!
    // Forward deployment j covers commits up to 10j + 9; the last one (j = 1998: the last is a
    // rollback) reaches commit 19,989, so PRs k ≤ 4,997 (commit 4k) ship and the last two do not.
    expect(big.shipped.sha + big.shipped.time).toBe(4_998)
    expect(big.shipped.time).toBe(500)
    expect(big.rollbacks).toBe(DEPLOYS / 50)
    expect(result.incidents.window).toBe(200)
    expect(rerun.services.find((s) => s.service === 'big')!.links).toEqual({ written: 0, deleted: 0 })
  })
})
