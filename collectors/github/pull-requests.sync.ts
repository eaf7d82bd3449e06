import { type Kysely, sql } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { upsertPullRequests } from '../shared/store/pull-requests.ts'
import { type GqlPullRequest, type GqlReview, SOURCE, mapPullRequest, needsMoreReviews } from './mappers.ts'
import { moreReviewsField, pullRequestsConnection, repoField } from './queries.ts'
import type { RepoTarget } from './targets.ts'
import type { Connection, FollowUp, WalkAdapter } from './walk-task.ts'

/**
 * Pull requests of all states through GraphQL, newest update first: one request carries up to
 * 50 PRs with their first commit, labels and first reviews (~20 requests per 1,000 PRs; REST
 * would need a list plus two calls per PR). A PR whose first reviews are all by its author or
 * bots gets its further reviews read before the page is stored.
 */
export function pullRequestAdapter(db: Kysely<Database>, repo: RepoTarget): WalkAdapter<GqlPullRequest> {
  const extra = new Map<string, GqlReview[]>()
  return {
    field: (walk, first) => repoField(repo.owner, repo.name, pullRequestsConnection(first, walk.after)),
    cost: (first) => first,
    connection: (data) => (data as { pullRequests?: Connection<GqlPullRequest> } | null)?.pullRequests ?? null,
    key: (pr) => pr.updatedAt,
    followUps: (nodes) => nodes.filter(needsMoreReviews).map((pr) => reviewsFollowUp(pr, extra)),
    async store(trx, nodes) {
      const rows = nodes.map((pr) => ({ ...mapPullRequest(pr, repo.fullName, extra.get(pr.id) ?? []), repo_id: repo.id }))
      for (const pr of nodes) extra.delete(pr.id)
      await upsertPullRequests(trx, rows)
      return rows.length
    },
    finish: () => resolveTitleReverts(db, repo.id),
  }
}

function reviewsFollowUp(pr: GqlPullRequest, extra: Map<string, GqlReview[]>): FollowUp {
  let cursor = pr.reviews?.pageInfo?.endCursor ?? null
  return {
    part: (pageSize) => ({ field: moreReviewsField(pr.id, Math.min(100, pageSize * 2), cursor), cost: 5 }),
    apply(data) {
      const reviews = (data as { reviews?: { nodes: (GqlReview | null)[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null)?.reviews
      if (!reviews) return false
      const list = extra.get(pr.id) ?? []
      list.push(...reviews.nodes.filter((r): r is GqlReview => r !== null))
      extra.set(pr.id, list)
      cursor = reviews.pageInfo.endCursor
      return reviews.pageInfo.hasNextPage && !!cursor
    },
  }
}

/**
 * Fills the reverted PR of `Revert "…"` PRs whose body names none: the latest merged PR of the
 * repository with that exact title, merged before the revert was. Returns the rows changed.
 */
export async function resolveTitleReverts(db: Kysely<Database>, repoId: number): Promise<number> {
  const result = await sql`
    update pull_request r set revert_of_number = (
      select p.number from pull_request p
      where p.repo_id = r.repo_id and p.source = ${SOURCE} and p.merged_at is not null and p.number <> r.number
        and p.title = substring(r.title from '^Revert "(.*)"\\s*$')
        and (r.merged_at is null or p.merged_at <= r.merged_at)
      order by p.merged_at desc limit 1)
    where r.repo_id = ${repoId} and r.source = ${SOURCE} and r.revert_of_number is null and r.title ~ '^Revert ".*"\\s*$'
      and exists (select 1 from pull_request p where p.repo_id = r.repo_id and p.merged_at is not null and p.number <> r.number
        and p.title = substring(r.title from '^Revert "(.*)"\\s*$'))`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}
