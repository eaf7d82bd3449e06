import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../server/db/schema.ts'
import { inTransaction } from '../shared/transaction.ts'
import { insertDeploymentStatuses, upsertDeployments } from '../shared/store/deployments.ts'
import { type GqlDeployment, type GqlDeploymentStatus, type StatusLike, mapDeployment, mapDeploymentStatuses } from './mappers.ts'
import { deploymentsConnection, moreStatusesField, nodesField, repoField } from './queries.ts'
import type { RepoTarget } from './targets.ts'
import type { Connection, FollowUp, WalkAdapter } from './walk-task.ts'

/** Deployments still without a terminal status are read again while younger than this. */
export const PENDING_REPOLL_DAYS = 30
const PENDING_PER_REQUEST = 50

/**
 * Stores deployments with every status seen so far: statuses GitHub showed now are added to
 * those stored before (it deletes statuses older than 90 days), and the outcome comes from the
 * first terminal status among all of them (upsertDeployments never changes a known outcome).
 */
export async function storeDeployments(trx: Transaction<Database> | Kysely<Database>, repo: RepoTarget, nodes: readonly GqlDeployment[]): Promise<number> {
  if (nodes.length === 0) return 0
  const stored = await trx
    .selectFrom('deployment_status as s')
    .innerJoin('deployment as d', 'd.id', 's.deployment_id')
    .select(['d.external_id', 's.state', 's.created_at'])
    .where('d.source', '=', 'github_deployment')
    .where('d.external_id', 'in', nodes.map((n) => n.id))
    .execute()
  const history = new Map<string, StatusLike[]>()
  for (const s of stored) {
    const list = history.get(s.external_id) ?? []
    list.push({ state: s.state, createdAt: new Date(s.created_at).toISOString() })
    history.set(s.external_id, list)
  }
  const ctx = { fullName: repo.fullName, service: repo.service, isProduction: repo.isProduction }
  const ids = await upsertDeployments(
    trx,
    nodes.map((d) => ({ ...mapDeployment(d, ctx, history.get(d.id) ?? []), repo_id: repo.id })),
  )
  const statuses = nodes.flatMap((d) => {
    const id = ids.get(d.id)
    return id === undefined ? [] : mapDeploymentStatuses(d).map((s) => ({ ...s, deployment_id: id }))
  })
  await insertDeploymentStatuses(trx, statuses)
  return nodes.length
}

type StatusConn = { nodes: (GqlDeploymentStatus | null)[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }

function statusesFollowUp(d: GqlDeployment): FollowUp {
  let cursor = d.statuses?.pageInfo?.endCursor ?? null
  return {
    part: (pageSize) => ({ field: moreStatusesField(d.id, Math.min(100, pageSize * 2), cursor), cost: 5 }),
    apply(data) {
      const more = (data as { statuses?: StatusConn } | null)?.statuses
      if (!more || !d.statuses) return false
      d.statuses.nodes.push(...more.nodes)
      cursor = more.pageInfo.endCursor
      return more.pageInfo.hasNextPage && !!cursor
    },
  }
}

/** GraphQL deployments newest first, each with its statuses, in one request per page. */
export function deploymentAdapter(repo: RepoTarget): WalkAdapter<GqlDeployment> {
  return {
    field: (walk, first) => repoField(repo.owner, repo.name, deploymentsConnection(first, walk.after)),
    cost: (first) => first,
    connection: (data) => (data as { deployments?: Connection<GqlDeployment> } | null)?.deployments ?? null,
    key: (d) => d.createdAt,
    followUps: (nodes) => nodes.filter((d) => d.statuses?.pageInfo?.hasNextPage && d.statuses.pageInfo.endCursor).map(statusesFollowUp),
    store: (trx, nodes) => storeDeployments(trx, repo, nodes),
  }
}

/** Node ids of the repository's deployments still without a terminal status, younger than PENDING_REPOLL_DAYS. */
export async function pendingDeployments(db: Kysely<Database>, repoId: number, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('deployment')
    .select('external_id')
    .where('repo_id', '=', repoId)
    .where('source', '=', 'github_deployment')
    .where('status', 'is', null)
    .where('created_at', '>=', new Date(now.getTime() - PENDING_REPOLL_DAYS * 86_400_000))
    .orderBy('created_at')
    .execute()
  return rows.map((r) => r.external_id)
}

/** Reads pending deployments again by node id (50 a request) and stores what they show now. */
export function pendingFollowUps(db: Kysely<Database>, repo: RepoTarget, ids: readonly string[], onRows: (n: number) => void): FollowUp[] {
  const out: FollowUp[] = []
  for (let i = 0; i < ids.length; i += PENDING_PER_REQUEST) {
    const chunk = ids.slice(i, i + PENDING_PER_REQUEST)
    out.push({
      part: () => ({ field: nodesField(chunk, '... on Deployment { ...Deployment }'), cost: chunk.length }),
      async apply(data) {
        const nodes = ((data as (GqlDeployment | null)[] | null) ?? []).filter((d): d is GqlDeployment => !!d && typeof d.id === 'string')
        onRows(await inTransaction(db, (trx) => storeDeployments(trx, repo, nodes)))
        return false
      },
    })
  }
  return out
}
