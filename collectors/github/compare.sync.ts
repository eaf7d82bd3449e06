import { type Kysely, sql } from 'kysely'
import type { Octokit } from 'octokit'
import type { Database } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import { insertCommits } from '../shared/store/commits.ts'
import { statusOf } from './rest.ts'
import type { RepoTarget } from './targets.ts'
import type { Unit } from './unit.ts'

/** At most this many compares per repository and collect: the rest wait for the next collect. */
export const MAX_COMPARES = 25

/** The cursor of `owner/repo:deployed_commits`: SHAs GitHub could not compare (gone, or never pushed). */
export interface CompareCursor {
  unresolved: string[]
}

interface RestCommit {
  sha: string
  parents?: { sha: string }[]
  commit?: { author?: { date?: string } | null; committer?: { date?: string } | null }
}

/** SHAs of the repository's successful production deployments that are not in its stored commit graph. */
export async function missingDeployedShas(db: Kysely<Database>, repoId: number): Promise<string[]> {
  const { rows } = await sql<{ sha: string }>`
    select distinct d.sha from deployment d
    where d.repo_id = ${repoId} and d.is_production and d.status = 'success' and d.sha is not null
      and not exists (select 1 from commit c where c.repo_id = d.repo_id and c.sha = d.sha)
    order by d.sha`.execute(db)
  return rows.map((r) => r.sha)
}

/**
 * Links deployed SHAs that lie outside the default branch's history into the commit graph with
 * `/compare/{default}...{sha}` (the SHA's own commits and their merge base, parents included),
 * one request per SHA — only for such SHAs, never per deployment.
 */
export async function syncDeployedCommits(
  ctx: { db: Kysely<Database>; octokit: Octokit; full: boolean },
  repo: RepoTarget,
  unit: Unit,
  cursor: CompareCursor | undefined,
): Promise<void> {
  const unresolved = new Set(ctx.full ? [] : (cursor?.unresolved ?? []))
  const missing = (await missingDeployedShas(ctx.db, repo.id)).filter((s) => !unresolved.has(s)).slice(0, MAX_COMPARES)
  await unit.start()
  for (const sha of missing) {
    unit.check()
    let data: { merge_base_commit?: RestCommit; commits?: RestCommit[] }
    try {
      ;({ data } = (await ctx.octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: repo.owner, repo: repo.name, basehead: `${repo.defaultBranch}...${sha}` })) as { data: typeof data })
    } catch (err) {
      unit.requests++
      if (statusOf(err) === 404 || statusOf(err) === 422) {
        unresolved.add(sha)
        continue
      }
      throw err
    }
    unit.requests++
    const commits = [data.merge_base_commit, ...(data.commits ?? [])].filter((c): c is RestCommit => !!c?.sha)
    const rows = commits.map((c) => ({
      repo_id: repo.id,
      sha: c.sha,
      parents: (c.parents ?? []).map((p) => p.sha),
      authored_at: c.commit?.author?.date ?? null,
      committed_at: c.commit?.committer?.date ?? null,
    }))
    if (!rows.some((r) => r.sha === sha)) unresolved.add(sha)
    await inTransaction(ctx.db, (trx) => insertCommits(trx, rows))
    unit.progress(rows.length)
  }
  await unit.succeed({ unresolved: [...unresolved].sort() } satisfies CompareCursor)
}
