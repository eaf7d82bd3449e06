import type { Kysely } from 'kysely'
import type { Octokit } from 'octokit'
import type { GitHubConfig } from '../../server/config/app-config.ts'
import type { Database, Tristate } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import { upsertRepositoryObservations } from '../shared/store/repository-observations.ts'
import { upsertVulnerabilityAlerts } from '../shared/store/vulnerability-alerts.ts'
import { type BatchTask, type GraphQLBatcher } from './graphql-batch.ts'
import { type RestAlert, mapAlert } from './mappers.ts'
import { nodesField } from './queries.ts'
import { type EtagMap, type RestPage, etagKey, restNext, restPage, statusOf } from './rest.ts'
import type { RepoTarget } from './targets.ts'
import type { Unit } from './unit.ts'
import { OVERLAP_MS } from './walk-task.ts'

/** The cursor of `owner/repo:dependabot_alerts`. */
export interface AlertsCursor {
  watermark: string | null
  etags: EtagMap
}

export interface RestContext {
  db: Kysely<Database>
  octokit: Octokit
  credential: string
  now: Date
  full: boolean
}

/**
 * Dependabot alerts of a repository, most recently updated first (cursor paging), down to the
 * watermark minus an overlap; the first page carries an ETag, so an unchanged repository costs
 * one 304. Alerts of any age are kept: an old open alert still counts against the SLA.
 */
export async function syncDependabotAlerts(ctx: RestContext, repo: RepoTarget, unit: Unit, cursor: AlertsCursor | undefined): Promise<void> {
  await unit.start()
  const known = ctx.full ? {} : (cursor?.etags ?? {})
  const stop = !ctx.full && cursor?.watermark ? Date.parse(cursor.watermark) - OVERLAP_MS : -Infinity
  const etags: EtagMap = {}
  let top = cursor?.watermark ?? null
  let page: RestPage<RestAlert[]> = await restPage<RestAlert[]>(
    ctx.octokit,
    'GET /repos/{owner}/{repo}/dependabot/alerts',
    { owner: repo.owner, repo: repo.name, sort: 'updated', direction: 'desc', per_page: 100 },
    { etags: { credential: ctx.credential, known } },
  )
  unit.requests++
  if (page.notModified) etags[etagKey(ctx.credential, page.url)] = page.etag
  else if (page.etag) etags[etagKey(ctx.credential, page.url)] = page.etag
  while (!page.notModified) {
    const alerts = page.data
    const rows = alerts.map((a) => ({ ...mapAlert(a, repo.fullName), repo_id: repo.id }))
    await inTransaction(ctx.db, (trx) => upsertVulnerabilityAlerts(trx, rows))
    for (const a of alerts) if (a.updated_at && (!top || Date.parse(a.updated_at) > Date.parse(top))) top = a.updated_at
    unit.progress(rows.length)
    const older = alerts.some((a) => Date.parse(a.updated_at ?? a.created_at) < stop)
    if (!page.next || older) break
    unit.check()
    page = await restNext<RestAlert[]>(ctx.octokit, page.next)
    unit.requests++
  }
  await unit.succeed({ watermark: top, etags } satisfies AlertsCursor)
}

/** Repository flags read in bulk through GraphQL: node id → Dependabot alerts on/off, or unknown (no rights). */
export type AlertFlags = Map<string, Tristate>

/**
 * `hasVulnerabilityAlertsEnabled` for up to 100 repositories a request (`nodes`); it needs admin
 * or security-manager rights, and a repository GitHub refuses it for is 'unknown', never 'disabled'.
 */
export async function readAlertFlags(batcher: GraphQLBatcher, repos: readonly RepoTarget[]): Promise<AlertFlags> {
  const flags: AlertFlags = new Map()
  const tasks: BatchTask[] = []
  for (let i = 0; i < repos.length; i += 100) {
    const chunk = repos.slice(i, i + 100)
    let done = false
    let size = chunk.length
    tasks.push({
      id: `${i}:repository_flags`,
      nextPart: (pageSize) => {
        if (done) return null
        size = Math.min(chunk.length, Math.max(1, pageSize * 2))
        return { field: nodesField(chunk.slice(0, size).map((r) => r.nodeId), '... on Repository { id hasVulnerabilityAlertsEnabled }'), cost: 1 }
      },
      async handle(data) {
        const nodes = (data as ({ id: string; hasVulnerabilityAlertsEnabled: boolean } | null)[] | null) ?? []
        chunk.slice(0, size).forEach((r, k) => {
          const n = nodes[k]
          flags.set(r.nodeId, n && typeof n.hasVulnerabilityAlertsEnabled === 'boolean' ? (n.hasVulnerabilityAlertsEnabled ? 'enabled' : 'disabled') : 'unknown')
        })
        chunk.splice(0, size)
        done = chunk.length === 0
      },
      fail() {
        done = true
        for (const r of chunk) flags.set(r.nodeId, 'unknown')
      },
    })
  }
  await batcher.run(tasks)
  return flags
}

/**
 * Today's observation of a repository: Dependabot alerts (the GraphQL flag, else
 * `/vulnerability-alerts`: 204 on, 404 off), code scanning (`/code-scanning/default-setup`:
 * configured or not) — 'unknown' whenever GitHub refuses (403) — and the adoption rule
 * (a topic, or a file on the default branch).
 */
export async function observeRepository(
  ctx: RestContext,
  gh: GitHubConfig,
  repo: RepoTarget,
  unit: Unit,
  alertFlag: Tristate | undefined,
): Promise<{ dependabot: Tristate }> {
  await unit.start()
  unit.check()
  let dependabot: Tristate = alertFlag ?? 'unknown'
  if (dependabot === 'unknown') {
    try {
      await ctx.octokit.request('GET /repos/{owner}/{repo}/vulnerability-alerts', { owner: repo.owner, repo: repo.name })
      dependabot = 'enabled'
    } catch (err) {
      const status = statusOf(err)
      if (status === 404) dependabot = 'disabled'
      else if (status !== 403) throw err
    } finally {
      unit.requests++
    }
  }
  let codeScanning: Tristate = 'unknown'
  try {
    const { data } = await ctx.octokit.request('GET /repos/{owner}/{repo}/code-scanning/default-setup', { owner: repo.owner, repo: repo.name })
    codeScanning = data.state === 'configured' ? 'enabled' : data.state === 'not-configured' ? 'disabled' : 'unknown'
  } catch (err) {
    const status = statusOf(err)
    if (status !== 403 && status !== 404) throw err
  } finally {
    unit.requests++
  }
  const adoption = !gh.adoption
    ? 'unknown'
    : 'topic' in gh.adoption
      ? repo.topics.some((t) => t.toLowerCase() === (gh.adoption as { topic: string }).topic.toLowerCase())
        ? 'yes'
        : 'no'
      : repo.state.adoption === undefined
        ? 'unknown'
        : repo.state.adoption
          ? 'yes'
          : 'no'
  await inTransaction(ctx.db, (trx) =>
    upsertRepositoryObservations(trx, [
      { repo_id: repo.id, observed_on: observedOn(ctx.now), archived: repo.archived, dependabot_alerts: dependabot, code_scanning: codeScanning, adoption },
    ]),
  )
  unit.progress(1)
  await unit.succeed({ observedOn: observedOn(ctx.now) })
  return { dependabot }
}

/** The UTC date an observation made at `now` is filed under. */
export function observedOn(now: Date): string {
  return now.toISOString().slice(0, 10)
}

/** Whether the repository was observed on `now`'s date already. */
export async function observedToday(db: Kysely<Database>, repoId: number, now: Date): Promise<{ dependabot: Tristate } | null> {
  const row = await db
    .selectFrom('repository_observation')
    .select('dependabot_alerts')
    .where('repo_id', '=', repoId)
    .where('observed_on', '=', observedOn(now))
    .executeTakeFirst()
  return row ? { dependabot: row.dependabot_alerts } : null
}
