import { type Kysely, sql } from 'kysely'
import type { Octokit } from 'octokit'
import type { ConfigFile } from '../../server/config/config.schema.ts'
import type { AppConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { createGitHubOctokit } from '../../collectors/github/client.ts'
import { collectGitHub, type CollectOptions, type CollectReport } from '../../collectors/github/collect.ts'
import { FakeGitHubState, startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../fixtures/github-fake/index.ts'
import { testConfig } from '../support/config.ts'

/** The fake's clock for every test: GitHub's "now" and the collector's. */
export const NOW = '2026-11-22T12:00:00Z'

type GitHubFile = NonNullable<NonNullable<ConfigFile['sources']>['github']>

/** A running fake GitHub with the config and client a collect against it needs. */
export interface GitHubHarness {
  fake: FakeGitHub
  state: FakeGitHubState
  config: AppConfig
  /** A client with every wait scaled down a thousandfold (retry-after 1 s → 1 ms). */
  octokit(): Octokit
  collect(db: Kysely<Database>, options?: CollectOptions): Promise<CollectReport>
  close(): Promise<void>
}

export async function startHarness(
  options: { state?: FakeGitHubState; github?: Partial<GitHubFile>; teams?: ConfigFile['teams']; fake?: FakeGitHubOptions; token?: string } = {},
): Promise<GitHubHarness> {
  const state = options.state ?? new FakeGitHubState(NOW)
  const fake = await startFakeGitHub({ state, ...options.fake })
  const config = testConfig({
    teams: options.teams ?? [],
    sources: { github: { baseUrl: fake.url, token: options.token ?? 'ghp_fake_token', repos: ['acme/*'], ...options.github } as GitHubFile },
  })
  const octokit = () => createGitHubOctokit(config.sources.github!, { timeScale: 0.001 })
  return {
    fake,
    state,
    config,
    octokit,
    collect: (db, o = {}) => collectGitHub(db, config, { octokit: octokit(), now: () => new Date(state.now), timeScale: 0.001, ...o }),
    close: () => fake.close(),
  }
}

const TABLES = [
  'repository', 'commit', 'pull_request', 'deployment', 'deployment_status', 'deployment_change', 'deployment_failure', 'workflow_run',
  'issue', 'incident', 'incident_deployment', 'milestone', 'vulnerability_alert', 'repository_observation',
] as const

const VOLATILE = new Set(['id', 'collected_at', 'linked_at'])

/**
 * Every collected table as sorted JSON-ready rows, ids replaced by the natural keys they point
 * at (repo → full_name, deployment/PR/incident/milestone → external_id) and without
 * collected_at / linked_at: two databases holding the same facts compare equal.
 */
export async function tableContents(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const names = async (table: string, key: string) => {
    const { rows } = await sql<{ id: number; k: string }>`select id, ${sql.ref(key)} as k from ${sql.table(table)}`.execute(db)
    return new Map(rows.map((r) => [r.id, r.k]))
  }
  const repos = await names('repository', 'full_name')
  const deployments = await names('deployment', 'external_id')
  const prs = await names('pull_request', 'external_id')
  const incidents = await names('incident', 'external_id')
  const milestones = await names('milestone', 'external_id')
  const refs: Record<string, Map<number, string>> = { repo_id: repos, deployment_id: deployments, remediation_deployment_id: deployments, pull_request_id: prs, incident_id: incidents, milestone_id: milestones }
  const causeKey = (k: string) =>
    k
      .replace(/^rollback:(\d+)/, (_m, id) => `rollback:${deployments.get(Number(id))}`)
      .replace(/pr:(\d+)/g, (_m, id) => `pr:${prs.get(Number(id))}`)
      .replace(/incident:(\d+)/g, (_m, id) => `incident:${incidents.get(Number(id))}`)
  const out: Record<string, unknown[]> = {}
  for (const table of TABLES) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)
    out[table] = rows
      .map((row) => {
        const clean: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(row).sort(([a], [b]) => a.localeCompare(b))) {
          if (VOLATILE.has(k)) continue
          if (k in refs && v !== null) clean[k] = refs[k]!.get(v as number) ?? `?${v}`
          else if (k === 'cause_key') clean[k] = causeKey(String(v))
          else clean[k] = v instanceof Date ? v.toISOString() : v
        }
        return clean
      })
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
  }
  return out
}

/** Row counts of the collected tables. */
export async function rowCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of TABLES) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(db)
    out[t] = rows[0]!.n
  }
  return out
}

/** Empties every table a collect writes (and the sync state), keeping the schema. */
export async function emptyDatabase(db: Kysely<Database>): Promise<void> {
  await sql`truncate repository, team, team_repo, team_service, sync_state, sync_lock restart identity cascade`.execute(db)
}

/** Requests the fake saw, by route (REST) or operation (GraphQL), 304s apart. */
export function requestsByRoute(fake: FakeGitHub): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of fake.requests) {
    const key = `${r.route === 'graphql' ? `graphql ${r.operationName}` : `${r.method} ${r.route}`}${r.notModified ? ' 304' : ''}`
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}
