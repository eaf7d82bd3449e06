import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { upsertPullRequests } from '../../collectors/shared/store/pull-requests.ts'
import { buildApp } from '../../server/app.ts'
import { createApiToken } from '../../server/auth/token-service.ts'
import type { Database } from '../../server/db/schema.ts'
import { testConfig } from '../support/config.ts'
import { forEachBackend } from '../support/databases.ts'

const NOW = new Date('2026-11-22T12:00:00Z')
const config = testConfig({ sources: { github: { token: 'x', repos: ['acme/*'] } } })
const sha = (name: string) => createHash('sha1').update(name).digest('hex')

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

/** A pull request merged into main at `mergedAt` with merge commit sha(`m<number>`). */
async function mergedPr(db: Kysely<Database>, repoId: number, number: number, mergedAt: string): Promise<number> {
  const externalId = `PR_${repoId}_${number}`
  const ids = await upsertPullRequests(db, [
    {
      source: 'github',
      external_id: externalId,
      repo_id: repoId,
      number,
      title: `Change ${number}`,
      body: null,
      state: 'merged',
      base_branch: 'main',
      labels: [],
      created_at: new Date('2026-11-19T00:00:00Z'),
      updated_at: new Date(mergedAt),
      merged_at: new Date(mergedAt),
      merge_commit_sha: sha(`m${number}`),
    },
  ])
  return ids.get(externalId)!
}

const deployment = (id: string, finishedAt: string, over: Record<string, unknown> = {}) => ({
  id,
  repo: 'acme/payments-api',
  environment: 'production',
  sha: sha(id),
  status: 'success',
  started_at: new Date(Date.parse(finishedAt) - 300_000).toISOString(),
  finished_at: finishedAt,
  ...over,
})

forEachBackend('ingest → attribution (explicit refs)', (ctx) => {
  let app: FastifyInstance
  let token: string
  beforeAll(async () => {
    app = await buildApp({ config, db: ctx.db, clock: () => NOW, logger: false })
    token = (await createApiToken(ctx.db.db, { name: 'jenkins', scopes: ['ingest'] }, { actor: 'test', now: NOW })).token
    const repo = await repository(ctx.db.db, 'acme/payments-api')
    const other = await repository(ctx.db.db, 'acme/other')
    await mergedPr(ctx.db.db, repo, 10, '2026-11-20T08:00:00Z')
    await mergedPr(ctx.db.db, repo, 11, '2026-11-20T08:30:00Z')
    await mergedPr(ctx.db.db, repo, 12, '2026-11-20T11:00:00Z')
    await mergedPr(ctx.db.db, repo, 13, '2026-11-20T13:00:00Z')
    await mergedPr(ctx.db.db, other, 10, '2026-11-20T08:00:00Z')
  })
  afterAll(async () => app?.close())

  const ingest = async (items: unknown[]) => {
    const res = await app.inject({ method: 'POST', url: '/api/deployments', payload: { items }, headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode, res.body).toBe(200)
  }
  /** `#number → deployment external id (method)`, by PR number; repository acme/payments-api only. */
  const links = async () =>
    (
      await ctx.db.db
        .selectFrom('deployment_change as dc')
        .innerJoin('pull_request as pr', 'pr.id', 'dc.pull_request_id')
        .innerJoin('repository as r', 'r.id', 'pr.repo_id')
        .innerJoin('deployment as d', 'd.id', 'dc.deployment_id')
        .select(['r.full_name', 'pr.number', 'd.external_id', 'dc.method', 'dc.linked_at'])
        .orderBy('r.full_name')
        .orderBy('pr.number')
        .execute()
    ).map((r) => ({ pr: `${r.full_name}#${r.number}`, deployment: r.external_id, method: r.method, linkedAt: new Date(r.linked_at).toISOString() }))
  const refs = async () =>
    ctx.db.db
      .selectFrom('deployment_ref as dr')
      .innerJoin('deployment as d', 'd.id', 'dr.deployment_id')
      .select(['d.external_id', 'dr.kind', 'dr.value'])
      .orderBy('d.external_id')
      .orderBy('dr.kind')
      .orderBy('dr.value')
      .execute()

  const batch = [
    deployment('jenkins-0', '2026-11-20T09:00:00Z'),
    deployment('jenkins-1', '2026-11-20T10:05:00Z', { pull_requests: [10] }),
    // Service only (its one repository); names #12 by a merge commit prefix, and #10 again (already shipped).
    deployment('argocd-2', '2026-11-20T12:00:00Z', { repo: undefined, service: 'payments-api', commits: [sha('m12').slice(0, 10).toUpperCase()], pull_requests: [10] }),
  ]
  const expected = [
    { pr: 'acme/payments-api#10', deployment: 'jenkins-1', method: 'explicit' },
    { pr: 'acme/payments-api#11', deployment: 'jenkins-0', method: 'time' },
    { pr: 'acme/payments-api#12', deployment: 'argocd-2', method: 'explicit' },
  ]

  it('a deployment without refs ships by time', async () => {
    await ingest([batch[0]])
    expect(await links()).toEqual([
      { pr: 'acme/payments-api#10', deployment: 'jenkins-0', method: 'time', linkedAt: NOW.toISOString() },
      { pr: 'acme/payments-api#11', deployment: 'jenkins-0', method: 'time', linkedAt: NOW.toISOString() },
    ])
    expect(await refs()).toEqual([])
  })

  it('pull_requests: [N] links that PR explicitly, over the earlier time match; a commit SHA prefix links its PR', async () => {
    await ingest([batch[1]])
    expect(await refs()).toEqual([{ external_id: 'jenkins-1', kind: 'pull_request', value: '10' }])
    expect((await links()).map(({ linkedAt: _, ...l }) => l)).toEqual(expected.slice(0, 2))

    await ingest([batch[2]])
    expect(await links()).toEqual(expected.map((l) => ({ ...l, linkedAt: NOW.toISOString() })))
    expect(await refs()).toEqual([
      { external_id: 'argocd-2', kind: 'commit', value: sha('m12').slice(0, 10) },
      { external_id: 'argocd-2', kind: 'pull_request', value: '10' },
      { external_id: 'jenkins-1', kind: 'pull_request', value: '10' },
    ])
  })

  it('re-ingesting the same batch leaves identical rows', async () => {
    const [beforeLinks, beforeRefs] = [await links(), await refs()]
    await ingest(batch)
    await ingest(batch)
    expect(await links()).toEqual(beforeLinks)
    expect(await refs()).toEqual(beforeRefs)
  })

  it('a later deployment without refs still ships the rest by time; re-ingesting without refs replaces them', async () => {
    await ingest([deployment('jenkins-3', '2026-11-20T14:00:00Z')])
    expect((await links()).map(({ linkedAt: _, ...l }) => l)).toEqual([...expected, { pr: 'acme/payments-api#13', deployment: 'jenkins-3', method: 'time' }])

    await ingest([deployment('jenkins-1', '2026-11-20T10:05:00Z')])
    expect((await refs()).map((r) => r.external_id)).toEqual(['argocd-2', 'argocd-2'])
    // #10 is still named by argocd-2, now the first deployment naming it.
    expect((await links()).find((l) => l.pr === 'acme/payments-api#10')).toMatchObject({ deployment: 'argocd-2', method: 'explicit' })
  })
})
