import type { Kysely, Transaction } from 'kysely'
import type { LabelConfig, TeamConfig } from '../../server/config/app-config.ts'
import type { Database } from '../../server/db/schema.ts'
import { upsertIncidents } from '../shared/store/incidents.ts'
import { upsertIssues } from '../shared/store/issues.ts'
import { upsertMilestones } from '../shared/store/milestones.ts'
import {
  type GqlIssue,
  type GqlMilestone,
  type IssueItem,
  SOURCE,
  hasAnyLabel,
  incidentFromIssue,
  issueFromGraphQL,
  mapIssue,
  mapMilestone,
} from './mappers.ts'
import { issuesConnection, milestonesConnection, moreMilestoneIssuesField, repoField } from './queries.ts'
import type { RepoTarget } from './targets.ts'
import type { Connection, FollowUp, WalkAdapter, WalkSpec } from './walk-task.ts'

type Db = Transaction<Database> | Kysely<Database>

/** The labels issues are collected by (incident, bug, tech debt), each name once whatever its case. */
export function issueLabels(labels: LabelConfig): string[] {
  const out = new Map<string, string>()
  for (const l of [...labels.incident, ...labels.bug, ...labels.techDebt]) if (!out.has(l.toLowerCase())) out.set(l.toLowerCase(), l)
  return [...out.values()]
}

export interface IssueContext {
  repo: RepoTarget
  labels: LabelConfig
  teams: readonly TeamConfig[]
}

/**
 * Stores issues (with the id of their milestone when it is stored) and keeps the incident rows
 * in step: an issue with an incident label is an incident; one that lost the label stops being one.
 */
export async function storeIssues(trx: Db, ctx: IssueContext, items: readonly IssueItem[], milestoneIds?: ReadonlyMap<string, number>): Promise<number> {
  if (items.length === 0) return 0
  const wanted = [...new Set(items.map((i) => i.milestone).filter((m): m is string => m !== null && !milestoneIds?.has(m)))]
  const known = new Map(milestoneIds ?? [])
  if (wanted.length > 0) {
    const rows = await trx.selectFrom('milestone').select(['id', 'external_id']).where('source', '=', SOURCE).where('external_id', 'in', wanted).execute()
    for (const r of rows) known.set(r.external_id, r.id)
  }
  await upsertIssues(
    trx,
    items.map((i) => ({ ...mapIssue(i, i.milestone ? (known.get(i.milestone) ?? null) : null), repo_id: ctx.repo.id })),
  )
  const incidents = items.flatMap((i) => {
    const row = incidentFromIssue(i, { fullName: ctx.repo.fullName, labels: ctx.labels, teams: ctx.teams })
    return row ? [{ ...row, repo_id: ctx.repo.id }] : []
  })
  await upsertIncidents(trx, incidents)
  const notIncidents = items.filter((i) => !hasAnyLabel(i.labels, ctx.labels.incident)).map((i) => i.nodeId)
  if (notIncidents.length > 0) await trx.deleteFrom('incident').where('source', '=', SOURCE).where('external_id', 'in', notIncidents).execute()
  return items.length
}

/**
 * Issues through GraphQL, never PRs. A backfill reads one connection per configured label
 * (labels are one query each: GitHub's label filters are not an OR); later runs read every issue
 * updated since the watermark once and keep those with a configured label, those stored before
 * (a removed label must reach the row) and those of tracked milestones.
 */
export function issueAdapter(ctx: IssueContext): WalkAdapter<GqlIssue> {
  const labels = issueLabels(ctx.labels)
  return {
    field: (walk, first) => repoField(ctx.repo.owner, ctx.repo.name, issuesConnection(first, walk.after, walk.kind === 'all' ? { since: walk.stop } : { label: walk.kind.slice('label:'.length), since: walk.stop })),
    cost: (first) => Math.ceil(first / 2),
    connection: (data) => (data as { issues?: Connection<GqlIssue> } | null)?.issues ?? null,
    key: (i) => i.updatedAt,
    async store(trx, nodes, walk: WalkSpec) {
      let items = nodes.map(issueFromGraphQL)
      if (walk.kind === 'all' && items.length > 0) {
        const ids = items.map((i) => i.nodeId)
        const stored = new Set((await trx.selectFrom('issue').select('external_id').where('source', '=', SOURCE).where('external_id', 'in', ids).execute()).map((r) => r.external_id))
        const milestones = [...new Set(items.map((i) => i.milestone).filter((m): m is string => m !== null))]
        const tracked = new Set(
          milestones.length === 0
            ? []
            : (await trx.selectFrom('milestone').select('external_id').where('source', '=', SOURCE).where('external_id', 'in', milestones).where('due_on', 'is not', null).execute()).map((r) => r.external_id),
        )
        items = items.filter((i) => hasAnyLabel(i.labels, labels) || stored.has(i.nodeId) || (i.milestone !== null && tracked.has(i.milestone)))
      }
      return storeIssues(trx, ctx, items)
    },
  }
}

/** The backfill walks of issues: one per label, down to `since`. */
export function issueBackfillWalks(labels: LabelConfig, since: string): WalkSpec[] {
  return issueLabels(labels).map((l) => ({ kind: `label:${l}`, after: null, stop: since }))
}

type IssueConn = { nodes: (GqlIssue | null)[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
type MilestoneNode = GqlMilestone & { issues?: IssueConn }

const MILESTONES_PER_PAGE = 10
const ISSUES_PER_MILESTONE = 50

/**
 * Milestones newest update first, each with its issues (the issues of milestones with a due
 * date are stored whatever their labels, for roadmap predictability).
 */
export function milestoneAdapter(ctx: IssueContext): WalkAdapter<MilestoneNode> {
  const more = new Map<string, GqlIssue[]>()
  return {
    // The nested issues shrink with the page size too, so a 502 on a big milestone page can be outgrown.
    field: (walk, first) => repoField(ctx.repo.owner, ctx.repo.name, milestonesConnection(Math.min(first, MILESTONES_PER_PAGE), walk.after, Math.min(ISSUES_PER_MILESTONE, Math.max(1, first)))),
    cost: (first) => Math.min(first, MILESTONES_PER_PAGE) * 3,
    connection: (data) => (data as { milestones?: Connection<MilestoneNode> } | null)?.milestones ?? null,
    key: (m) => m.updatedAt,
    followUps: (nodes) =>
      nodes
        .filter((m) => m.dueOn && m.issues?.pageInfo.hasNextPage && m.issues.pageInfo.endCursor)
        .map((m): FollowUp => {
          let cursor = m.issues!.pageInfo.endCursor
          return {
            part: (pageSize) => ({ field: moreMilestoneIssuesField(m.id, Math.min(100, pageSize * 2), cursor), cost: pageSize }),
            apply(data) {
              const page = (data as { issues?: IssueConn } | null)?.issues
              if (!page) return false
              more.set(m.id, [...(more.get(m.id) ?? []), ...page.nodes.filter((i): i is GqlIssue => i !== null)])
              cursor = page.pageInfo.endCursor
              return page.pageInfo.hasNextPage && !!cursor
            },
          }
        }),
    async store(trx, nodes) {
      // Only milestones with a due date matter; one stored before is updated when its date goes.
      const undated = nodes.filter((m) => !m.dueOn).map((m) => m.id)
      const known = new Set(
        undated.length === 0 ? [] : (await trx.selectFrom('milestone').select('external_id').where('source', '=', SOURCE).where('external_id', 'in', undated).execute()).map((r) => r.external_id),
      )
      const kept = nodes.filter((m) => m.dueOn || known.has(m.id))
      const ids = await upsertMilestones(trx, kept.map((m) => ({ ...mapMilestone(m), repo_id: ctx.repo.id })))
      const issues = nodes
        .filter((m) => m.dueOn)
        .flatMap((m) => [...(m.issues?.nodes ?? []), ...(more.get(m.id) ?? [])])
        .filter((i): i is GqlIssue => i !== null)
        .map(issueFromGraphQL)
      for (const m of nodes) more.delete(m.id)
      const unique = [...new Map(issues.map((i) => [i.nodeId, i])).values()]
      await storeIssues(trx, ctx, unique, ids)
      return kept.length + unique.length
    },
  }
}
