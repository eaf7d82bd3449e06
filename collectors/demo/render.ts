import type { RepoContext, IncidentItem, PrItem, IssueItem, DeployItem } from './model.ts'
import type { DemoRepository } from './rows.ts'
import type { AlertRow, ObservationRow } from './security.ts'
import type { Insertable } from 'kysely'
import type { SliSampleTable } from '../../server/db/schema.ts'
import { DEMO_OWNER } from './org-plan.ts'
import { MINUTE, wholeSecond } from './time.ts'

const date = (t: number | null) => (t === null ? null : new Date(t))

/** Numbers PRs and issues 1, 2, … in creation order: GitHub gives both one sequence per repository. */
export function assignNumbers(ctx: RepoContext): void {
  const items: (PrItem | IssueItem)[] = [...ctx.prs, ...ctx.issues]
  items.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq)
  items.forEach((item, i) => (item.number = i + 1))
}

const prExternalId = (ctx: RepoContext, pr: PrItem) => `demo:pr:${ctx.repo.fullName}#${pr.number}`
/** The incident's id in its source: PagerDuty's id, or the GitHub issue as owner/repo#N. */
const incidentKey = (ctx: RepoContext, i: IncidentItem) => i.pagerdutyId ?? `${ctx.repo.fullName}#${i.issue!.number}`
const incidentExternalId = (ctx: RepoContext, i: IncidentItem) => `demo:${i.source}:${incidentKey(ctx, i)}`

function prTitle(pr: PrItem): string {
  return pr.kind === 'revert' ? `Revert "${prTitle(pr.revertOf!)}"` : pr.title
}

function prBody(ctx: RepoContext, pr: PrItem): string {
  switch (pr.kind) {
    case 'revert':
      return `Reverts ${ctx.repo.fullName}#${pr.revertOf!.number}`
    case 'hotfix':
      return `Fixes #${'kind' in pr.fixes! ? (pr.fixes as PrItem).number : (pr.fixes as IncidentItem).issue!.number}`
    case 'dependency':
      return `${pr.title.replace(/^Bump/, 'Bumps')}.\n\nDependabot will resolve any conflicts with this PR as long as you don't alter it yourself.`
    default:
      return pr.followUpOf ? `${pr.title}.\n\nFollow-up to incident #${pr.followUpOf.issue!.number}.` : `${pr.title}.`
  }
}

function incidentIssueLabels(ctx: RepoContext, i: IncidentItem): string[] {
  return ['incident', ...(i.severity ? [i.severity] : []), `service:${ctx.repo.name}`, ...(i.isSecurity ? ['security'] : [])]
}

/** Turns the repository's generated history into rows (numbers must be assigned). */
export function renderRepository(
  ctx: RepoContext,
  extras: { alerts: AlertRow[]; observations: ObservationRow[]; adopted: boolean; sliSamples: Insertable<SliSampleTable>[] },
): DemoRepository {
  const { repo, org, rng } = ctx
  const prs = [...ctx.prs].sort((a, b) => a.number - b.number)
  const issues = [...ctx.issues].sort((a, b) => a.number - b.number)
  const milestoneId = (n: number) => `demo:milestone:${repo.fullName}:${n}`

  return {
    repository: {
      source: 'github',
      external_id: `demo:repo:${repo.fullName}`,
      owner: DEMO_OWNER,
      name: repo.name,
      full_name: repo.fullName,
      default_branch: 'main',
      archived: false,
      topics: [`team-${repo.team.id}`, ...(extras.adopted ? ['paved-road'] : [])],
      url: null,
      created_at: new Date(repo.createdAt),
    },
    commits: ctx.commits.map((c) => ({ sha: c.sha, parents: c.parent ? [c.parent] : [], authored_at: new Date(c.at), committed_at: new Date(c.at) })),
    pullRequests: prs.map((pr) => ({
      source: 'github',
      external_id: prExternalId(ctx, pr),
      number: pr.number,
      title: prTitle(pr),
      body: prBody(ctx, pr),
      author: pr.author,
      author_is_bot: pr.isBot,
      state: pr.mergedAt !== null ? 'merged' : pr.closedAt !== null ? 'closed' : 'open',
      base_branch: 'main',
      labels: pr.labels,
      created_at: new Date(pr.createdAt),
      first_commit_at: new Date(pr.firstCommitAt),
      first_review_at: date(pr.firstReviewAt),
      first_reviewer: pr.reviewer,
      merged_at: date(pr.mergedAt),
      closed_at: date(pr.closedAt),
      merge_commit_sha: pr.mergeSha ?? null,
      revert_of_repo: pr.revertOf ? repo.fullName : null,
      revert_of_number: pr.revertOf ? pr.revertOf.number : null,
      additions: pr.additions,
      deletions: pr.deletions,
      url: null,
      updated_at: new Date(Math.max(pr.createdAt, pr.firstReviewAt ?? 0, pr.closedAt ?? 0)),
    })),
    deployments: ctx.deployments.map((d) => ({
      source: 'github_deployment',
      external_id: d.externalId,
      service: repo.name,
      environment: d.environment,
      is_production: d.environment === 'production',
      sha: d.sha,
      ref: 'main',
      status: d.status,
      created_at: new Date(d.createdAt),
      started_at: new Date(d.startedAt),
      finished_at: date(d.finishedAt),
      creator: d.creator,
      url: null,
    })),
    deploymentStatuses: ctx.deployments.flatMap((d) => [
      { deployment: d.externalId, external_id: `${d.externalId}:status:1`, state: 'queued', created_at: new Date(d.createdAt), description: null, log_url: null },
      { deployment: d.externalId, external_id: `${d.externalId}:status:2`, state: 'in_progress', created_at: new Date(d.startedAt), description: null, log_url: null },
      ...(d.status === null
        ? []
        : [{ deployment: d.externalId, external_id: `${d.externalId}:status:3`, state: d.status, created_at: new Date(d.finishedAt!), description: describe(d), log_url: null }]),
    ]),
    workflowRuns: [
      ...ctx.commits.slice(1).map((c) => {
        const created = c.at + 3_000
        const started = created + rng.int(5, 90) * 1000
        const finished = wholeSecond(started + Math.min(60 * MINUTE, rng.lognormal(9 * MINUTE, 0.35)))
        const done = finished < org.now
        return {
          source: 'github',
          external_id: `demo:run:${repo.fullName}:ci:${c.index}`,
          workflow_path: '.github/workflows/ci.yml',
          name: 'CI',
          event: 'push',
          head_branch: 'main',
          head_sha: c.sha,
          status: done ? 'completed' : 'in_progress',
          conclusion: done ? (rng.chance(0.94) ? 'success' : 'failure') : null,
          created_at: new Date(created),
          run_started_at: new Date(started),
          updated_at: new Date(done ? finished : started),
          url: null,
        }
      }),
      ...ctx.deployments
        .filter((d) => d.environment === 'production')
        .map((d) => ({
          source: 'github',
          external_id: `demo:run:${repo.fullName}:deploy:${d.externalId.slice(d.externalId.lastIndexOf(':') + 1)}`,
          workflow_path: '.github/workflows/deploy.yml',
          name: 'Deploy',
          event: 'workflow_dispatch',
          head_branch: 'main',
          head_sha: d.sha,
          status: d.status === null ? 'in_progress' : 'completed',
          conclusion: d.status,
          created_at: new Date(d.createdAt - 30_000),
          run_started_at: new Date(d.createdAt - 20_000),
          updated_at: new Date(d.finishedAt ?? d.createdAt),
          url: null,
        })),
    ],
    milestones: ctx.milestones.map((m) => ({
      source: 'github',
      external_id: milestoneId(m.number),
      number: m.number,
      title: m.title,
      state: m.closedAt === null ? 'open' : 'closed',
      due_on: new Date(m.dueOn),
      created_at: new Date(m.createdAt),
      closed_at: date(m.closedAt),
      url: null,
    })),
    issues: issues.map((issue) => {
      const closedAt = issue.incident ? issue.incident.resolvedAt : issue.closedAt
      const explicitSha = issue.incident?.causedBySha
      return {
        source: 'github',
        external_id: `demo:issue:${repo.fullName}#${issue.number}`,
        number: issue.number,
        title: issue.title,
        body: issue.incident ? `Impact: ${issue.incident.customerImpact ? 'customers affected' : 'internal only'}.${explicitSha ? `\n\nroot cause: ${explicitSha}` : ''}` : issue.body,
        state: closedAt === null ? 'open' : 'closed',
        author: issue.author,
        labels: issue.incident ? incidentIssueLabels(ctx, issue.incident) : issue.labels,
        milestone: issue.milestone ? milestoneId(issue.milestone.number) : null,
        created_at: new Date(issue.createdAt),
        closed_at: date(closedAt),
        updated_at: new Date(closedAt ?? issue.createdAt),
        url: null,
      }
    }),
    incidents: ctx.incidents.map((i) => ({
      inRepository: i.source === 'github',
      source: i.source,
      external_id: incidentExternalId(ctx, i),
      reference: i.source === 'github' ? `${repo.fullName}#${i.issue!.number}` : String(i.pagerdutyNumber),
      service: repo.name,
      team_id: repo.team.id,
      severity: i.severity,
      title: i.title,
      status: i.source === 'github' ? (i.resolvedAt === null ? 'open' : 'closed') : i.resolvedAt !== null ? 'resolved' : i.acknowledgedAt !== null ? 'acknowledged' : 'triggered',
      started_at: new Date(i.startedAt),
      acknowledged_at: date(i.acknowledgedAt),
      resolved_at: date(i.resolvedAt),
      is_security: i.isSecurity,
      root_cause_key: i.rootCauseKey,
      customer_impact: i.customerImpact,
      labels: i.source === 'github' ? incidentIssueLabels(ctx, i) : i.isSecurity ? ['security'] : [],
      caused_by_sha: i.causedBySha,
      caused_by_pr: null,
      caused_by_deployment: null,
      url: null,
      updated_at: new Date(i.resolvedAt ?? i.acknowledgedAt ?? i.startedAt),
    })),
    vulnerabilityAlerts: extras.alerts,
    observations: extras.observations,
    sliSamples: extras.sliSamples,
  }
}

function describe(d: DeployItem): string {
  if (d.status === 'failure') return 'Deployment failed'
  return d.kind === 'rollback' ? 'Rolled back to a previous release' : 'Deployment finished successfully'
}
