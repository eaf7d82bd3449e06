import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FakeGitHubState, type FakePull, type FakeRepo } from '../fixtures/github-fake/index.ts'
import { forEachBackend } from '../support/databases.ts'
import { NOW, rowCounts, startHarness, type GitHubHarness } from './github-collector-fixture.ts'

/*
 * One hand-built organisation, collected once; every table is checked against rows written out
 * here: squash, merge and rebase merges, self, bot and pending reviews, a title-only revert, a
 * bot author, deployments with full and with expired status histories, CI and deploy runs,
 * labelled issues becoming incidents, milestones, Dependabot alerts, repository flags, a
 * repository the token has no admin rights on and an archived one.
 */

interface World {
  api: FakeRepo
  web: FakeRepo
  pr: Record<'search' | 'bump' | 'revert' | 'open' | 'closed' | 'titleRevert', FakePull>
  sha: Record<'init' | 'search' | 'bump' | 'revert' | 'titleRevert', string>
  issue: Record<'incident' | 'quietIncident' | 'bug' | 'debt' | 'milestoneOnly' | 'unlabelled' | 'undated', number>
  deployment: Record<'ok' | 'failed' | 'staging' | 'expired' | 'pending', string>
}

function buildWorld(state: FakeGitHubState): World {
  const api = state.addRepo('acme', { name: 'api', topics: ['paved-road'], code_scanning: 'configured', created_at: '2025-01-01T00:00:00Z' })
  const web = state.addRepo('acme', { name: 'web', permissions: { admin: false, security_events: false }, vulnerability_alerts: true, created_at: '2025-01-01T00:00:00Z' })
  const old = state.addRepo('acme', { name: 'old', archived: true, created_at: '2025-01-01T00:00:00Z' })
  for (const r of [api, web, old]) state.addCommit(r, { message: 'Initial commit', author: 'alice', authored_at: '2026-01-01T00:00:00Z', branch: 'main' })
  const init = api.branches.main!

  const search = state.addPullRequest(api, {
    title: 'Add search',
    body: 'Adds search.',
    user: 'alice',
    created_at: '2026-10-01T10:00:00Z',
    commits: [{ authored_at: '2026-10-01T08:00:00Z' }, { authored_at: '2026-10-01T09:00:00Z' }],
  })
  state.addReview(api, search, { user: 'alice', state: 'COMMENTED', submitted_at: '2026-10-01T10:30:00Z' })
  state.addReview(api, search, { user: 'copilot-pull-request-reviewer[bot]', state: 'COMMENTED', submitted_at: '2026-10-01T10:40:00Z' })
  state.addReview(api, search, { user: 'bob', state: 'PENDING' })
  state.addReview(api, search, { user: 'carol', state: 'APPROVED', submitted_at: '2026-10-01T11:00:00Z' })
  const searchSha = state.mergePullRequest(api, search, { method: 'squash', at: '2026-10-01T12:00:00Z' })

  const bump = state.addPullRequest(api, { title: 'Bump lodash', body: 'Bumps lodash.', user: 'dependabot[bot]', created_at: '2026-10-02T09:00:00Z', labels: ['dependencies'] })
  state.addReview(api, bump, { user: 'bob', state: 'APPROVED', submitted_at: '2026-10-02T11:00:00Z' })
  const bumpSha = state.mergePullRequest(api, bump, { method: 'merge', at: '2026-10-02T12:00:00Z', by: 'bob' })

  const revert = state.addPullRequest(api, { title: 'Revert "Add search"', body: 'Reverts acme/api#1', user: 'bob', created_at: '2026-10-03T09:00:00Z' })
  const revertSha = state.mergePullRequest(api, revert, { method: 'rebase', at: '2026-10-03T12:00:00Z' })

  const titleRevert = state.addPullRequest(api, { title: 'Revert "Bump lodash"', body: '', user: 'carol', created_at: '2026-10-04T09:00:00Z' })
  const titleRevertSha = state.mergePullRequest(api, titleRevert, { method: 'squash', at: '2026-10-04T12:00:00Z' })

  const closed = state.addPullRequest(api, { title: 'Try caching', user: 'frank', created_at: '2026-10-05T09:00:00Z' })
  state.closePullRequest(closed, '2026-10-06T09:00:00Z')
  const open = state.addPullRequest(api, { title: 'Add filters', user: 'erin', created_at: '2026-11-20T09:00:00Z' })

  const ok = state.addDeployment(api, {
    sha: searchSha,
    environment: 'production',
    created_at: '2026-10-01T13:00:00Z',
    statuses: [
      { state: 'queued', created_at: '2026-10-01T13:00:00Z' },
      { state: 'in_progress', created_at: '2026-10-01T13:01:00Z' },
      { state: 'success', created_at: '2026-10-01T13:05:00Z' },
      { state: 'inactive', created_at: '2026-10-02T13:06:00Z' },
    ],
  })
  const failed = state.addDeployment(api, {
    sha: bumpSha,
    environment: 'Production',
    created_at: '2026-10-02T13:00:00Z',
    statuses: [
      { state: 'in_progress', created_at: '2026-10-02T13:01:00Z' },
      { state: 'error', created_at: '2026-10-02T13:03:00Z' },
      { state: 'success', created_at: '2026-10-02T13:10:00Z' },
    ],
  })
  const staging = state.addDeployment(api, { sha: revertSha, environment: 'staging', created_at: '2026-10-03T13:00:00Z', statuses: [{ state: 'success', created_at: '2026-10-03T13:02:00Z' }] })
  const expired = state.addDeployment(api, {
    sha: init,
    environment: 'production',
    created_at: '2026-05-01T10:00:00Z',
    statuses: [
      { state: 'queued', created_at: '2026-05-01T10:00:00Z' },
      { state: 'success', created_at: '2026-05-01T10:05:00Z' },
      { state: 'inactive', created_at: '2026-06-01T10:00:00Z' },
    ],
  })
  const pending = state.addDeployment(api, { sha: titleRevertSha, environment: 'production', created_at: '2026-11-22T11:00:00Z', statuses: [{ state: 'queued', created_at: '2026-11-22T11:00:00Z' }] })

  state.addWorkflowRun(api, { workflow: 'ci.yml', head_sha: searchSha, created_at: '2026-10-01T12:01:00Z', run_started_at: '2026-10-01T12:02:00Z', updated_at: '2026-10-01T12:10:00Z', conclusion: 'success' })
  state.addWorkflowRun(api, { workflow: 'ci.yml', head_branch: 'alice/search', event: 'pull_request', head_sha: searchSha, created_at: '2026-10-01T10:05:00Z', conclusion: 'failure' })
  state.addWorkflowRun(api, { workflow: 'deploy.yml', head_sha: searchSha, created_at: '2026-10-01T12:30:00Z', updated_at: '2026-10-01T12:40:00Z', conclusion: 'success' })
  state.addWorkflowRun(api, { workflow: 'ci.yml', head_sha: titleRevertSha, created_at: '2026-11-22T11:50:00Z', status: 'in_progress' })

  const m1 = state.addMilestone(api, { title: 'Q4 roadmap', due_on: '2026-12-31T00:00:00Z', created_at: '2026-09-01T00:00:00Z' })
  const m2 = state.addMilestone(api, { title: 'Someday', created_at: '2026-09-01T00:00:00Z' })
  const incident = state.addIssue(api, {
    title: 'Search returns 500s',
    labels: ['incident', 'sev2', 'service:checkout', 'security', 'root-cause:db-pool', 'customer-reported'],
    body: `Customers saw errors.\n\nroot cause: ${searchSha}\ncaused by #${search.number}`,
    created_at: '2026-10-01T14:00:00Z',
    closed_at: '2026-10-01T16:00:00Z',
  })
  const quietIncident = state.addIssue(api, { title: 'Slow pages', labels: ['incident'], created_at: '2026-11-01T09:00:00Z' })
  const bug = state.addIssue(api, { title: 'Wrong total', labels: ['bug', 'production'], created_at: '2026-10-10T09:00:00Z', closed_at: '2026-10-12T09:00:00Z' })
  const debt = state.addIssue(api, { title: 'Remove legacy client', labels: ['tech-debt'], created_at: '2026-10-11T09:00:00Z', milestone: m1.number })
  const milestoneOnly = state.addIssue(api, { title: 'Ship filters', labels: ['enhancement'], created_at: '2026-10-12T09:00:00Z', milestone: m1.number })
  const unlabelled = state.addIssue(api, { title: 'Question about the API', created_at: '2026-10-13T09:00:00Z' })
  const undated = state.addIssue(api, { title: 'Dark mode', created_at: '2026-10-14T09:00:00Z', milestone: m2.number })

  state.addAlert(api, { severity: 'critical', created_at: '2026-09-01T00:00:00Z', package: { ecosystem: 'npm', name: 'lodash' } })
  state.addAlert(api, { severity: 'high', created_at: '2026-09-02T00:00:00Z', fixed_at: '2026-09-10T00:00:00Z', package: { ecosystem: 'npm', name: 'axios' } })
  state.addAlert(api, { severity: 'medium', created_at: '2026-09-03T00:00:00Z', dismissed_at: '2026-09-04T00:00:00Z', package: { ecosystem: 'pip', name: 'requests' } })
  state.addAlert(web, { severity: 'low', created_at: '2026-09-03T00:00:00Z' })

  const webPr = state.addPullRequest(web, { title: 'Style tweaks', user: 'dave', created_at: '2026-10-20T09:00:00Z' })
  state.mergePullRequest(web, webPr, { method: 'squash', at: '2026-10-20T12:00:00Z' })
  const oldPr = state.addPullRequest(old, { title: 'Old work', user: 'dave', created_at: '2026-10-20T09:00:00Z' })
  state.mergePullRequest(old, oldPr, { method: 'squash', at: '2026-10-20T12:00:00Z' })

  return {
    api,
    web,
    pr: { search, bump, revert, open, closed, titleRevert },
    sha: { init, search: searchSha, bump: bumpSha, revert: revertSha, titleRevert: titleRevertSha },
    issue: { incident: incident.number, quietIncident: quietIncident.number, bug: bug.number, debt: debt.number, milestoneOnly: milestoneOnly.number, unlabelled: unlabelled.number, undated: undated.number },
    deployment: { ok: ok.node_id, failed: failed.node_id, staging: staging.node_id, expired: expired.node_id, pending: pending.node_id },
  }
}

forEachBackend('GitHub collector: rows of a hand-built organisation', (ctx) => {
  let h: GitHubHarness
  let w: World
  let report: Awaited<ReturnType<GitHubHarness['collect']>>

  beforeAll(async () => {
    const state = new FakeGitHubState(NOW)
    w = buildWorld(state)
    h = await startHarness({
      state,
      github: { services: { 'acme/api': 'api-svc' }, adoption: { topic: 'paved-road' } },
      teams: [{ id: 'payments', name: 'Payments', repos: ['acme/api'] }],
    })
    report = await h.collect(ctx.db.db)
  })
  afterAll(async () => {
    await h.close()
  })

  const db = () => ctx.db.db
  const repoId = async (name: string) => (await db().selectFrom('repository').select('id').where('full_name', '=', name).executeTakeFirstOrThrow()).id

  it('collects the active repositories, skips the archived one and reports the rights it lacks', async () => {
    expect(h.fake.errors).toEqual([])
    expect(h.fake.graphqlFailures).toEqual([])
    const repos = await db().selectFrom('repository').select(['full_name', 'owner', 'name', 'default_branch', 'archived', 'topics', 'external_id']).orderBy('full_name').execute()
    expect(repos).toEqual([
      { full_name: 'acme/api', owner: 'acme', name: 'api', default_branch: 'main', archived: false, topics: ['paved-road'], external_id: w.api.node_id },
      { full_name: 'acme/web', owner: 'acme', name: 'web', default_branch: 'main', archived: false, topics: [], external_id: w.web.node_id },
    ])
    expect(report.errors).toEqual([])
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { scope: 'acme/old', reason: 'archived' },
        expect.objectContaining({ scope: 'acme/web:dependabot_alerts', reason: expect.stringContaining('HTTP 403') }),
      ]),
    )
    expect(report.repos.map((r) => r.repo)).toEqual(['acme/api', 'acme/web'])
    expect(report.requests).toBeGreaterThan(0)
    expect(report.rateLimitRemaining).toBeGreaterThan(4_900)
  })

  it('stores pull requests with first commit, first qualifying review, merge SHA, bot authors and reverts', async () => {
    const rows = await db()
      .selectFrom('pull_request')
      .select(['number', 'title', 'author', 'author_is_bot', 'state', 'base_branch', 'labels', 'first_commit_at', 'first_review_at', 'first_reviewer', 'merged_at', 'closed_at', 'merge_commit_sha', 'revert_of_repo', 'revert_of_number', 'external_id'])
      .where('repo_id', '=', await repoId('acme/api'))
      .orderBy('number')
      .execute()
    const at = (s: string) => new Date(s)
    expect(rows).toEqual([
      { number: w.pr.search.number, title: 'Add search', author: 'alice', author_is_bot: false, state: 'merged', base_branch: 'main', labels: [], first_commit_at: at('2026-10-01T08:00:00Z'), first_review_at: at('2026-10-01T11:00:00Z'), first_reviewer: 'carol', merged_at: at('2026-10-01T12:00:00Z'), closed_at: at('2026-10-01T12:00:00Z'), merge_commit_sha: w.sha.search, revert_of_repo: null, revert_of_number: null, external_id: w.pr.search.node_id },
      { number: w.pr.bump.number, title: 'Bump lodash', author: 'dependabot[bot]', author_is_bot: true, state: 'merged', base_branch: 'main', labels: ['dependencies'], first_commit_at: at('2026-10-02T09:00:00Z'), first_review_at: at('2026-10-02T11:00:00Z'), first_reviewer: 'bob', merged_at: at(w.pr.bump.merged_at!), closed_at: at(w.pr.bump.merged_at!), merge_commit_sha: w.sha.bump, revert_of_repo: null, revert_of_number: null, external_id: w.pr.bump.node_id },
      { number: w.pr.revert.number, title: 'Revert "Add search"', author: 'bob', author_is_bot: false, state: 'merged', base_branch: 'main', labels: [], first_commit_at: at('2026-10-03T09:00:00Z'), first_review_at: null, first_reviewer: null, merged_at: at(w.pr.revert.merged_at!), closed_at: at(w.pr.revert.merged_at!), merge_commit_sha: w.sha.revert, revert_of_repo: 'acme/api', revert_of_number: w.pr.search.number, external_id: w.pr.revert.node_id },
      { number: w.pr.titleRevert.number, title: 'Revert "Bump lodash"', author: 'carol', author_is_bot: false, state: 'merged', base_branch: 'main', labels: [], first_commit_at: at('2026-10-04T09:00:00Z'), first_review_at: null, first_reviewer: null, merged_at: at(w.pr.titleRevert.merged_at!), closed_at: at(w.pr.titleRevert.merged_at!), merge_commit_sha: w.sha.titleRevert, revert_of_repo: 'acme/api', revert_of_number: w.pr.bump.number, external_id: w.pr.titleRevert.node_id },
      { number: w.pr.closed.number, title: 'Try caching', author: 'frank', author_is_bot: false, state: 'closed', base_branch: 'main', labels: [], first_commit_at: at('2026-10-05T09:00:00Z'), first_review_at: null, first_reviewer: null, merged_at: null, closed_at: at('2026-10-06T09:00:00Z'), merge_commit_sha: null, revert_of_repo: null, revert_of_number: null, external_id: w.pr.closed.node_id },
      { number: w.pr.open.number, title: 'Add filters', author: 'erin', author_is_bot: false, state: 'open', base_branch: 'main', labels: [], first_commit_at: at('2026-11-20T09:00:00Z'), first_review_at: null, first_reviewer: null, merged_at: null, closed_at: null, merge_commit_sha: null, revert_of_repo: null, revert_of_number: null, external_id: w.pr.open.node_id },
    ])
  })

  it('reads the default branch history with parents, squash and rebase commits included', async () => {
    const commits = await db().selectFrom('commit').select(['sha', 'parents']).where('repo_id', '=', await repoId('acme/api')).execute()
    const expected = w.api.commits
    const onMain = new Set<string>()
    const stack = [w.api.branches.main!]
    while (stack.length) {
      const sha = stack.pop()!
      if (onMain.has(sha)) continue
      onMain.add(sha)
      stack.push(...expected.get(sha)!.parents)
    }
    expect(new Set(commits.map((c) => c.sha))).toEqual(onMain)
    for (const c of commits) expect(c.parents).toEqual(expected.get(c.sha)!.parents)
    expect(commits.find((c) => c.sha === w.sha.bump)!.parents).toHaveLength(2)
  })

  it('stores deployments: outcome from the first terminal status, expired histories, pending ones, production by pattern', async () => {
    const rows = await db()
      .selectFrom('deployment')
      .select(['external_id', 'source', 'service', 'environment', 'is_production', 'sha', 'status', 'started_at', 'finished_at', 'created_at'])
      .orderBy('created_at')
      .execute()
    const at = (s: string) => new Date(s)
    expect(rows).toEqual([
      { external_id: w.deployment.expired, source: 'github_deployment', service: 'api-svc', environment: 'production', is_production: true, sha: w.sha.init, status: null, started_at: at('2026-05-01T10:00:00Z'), finished_at: null, created_at: at('2026-05-01T10:00:00Z') },
      { external_id: w.deployment.ok, source: 'github_deployment', service: 'api-svc', environment: 'production', is_production: true, sha: w.sha.search, status: 'success', started_at: at('2026-10-01T13:01:00Z'), finished_at: at('2026-10-01T13:05:00Z'), created_at: at('2026-10-01T13:00:00Z') },
      { external_id: w.deployment.failed, source: 'github_deployment', service: 'api-svc', environment: 'Production', is_production: true, sha: w.sha.bump, status: 'failure', started_at: at('2026-10-02T13:01:00Z'), finished_at: at('2026-10-02T13:03:00Z'), created_at: at('2026-10-02T13:00:00Z') },
      { external_id: w.deployment.staging, source: 'github_deployment', service: 'api-svc', environment: 'staging', is_production: false, sha: w.sha.revert, status: 'success', started_at: at('2026-10-03T13:00:00Z'), finished_at: at('2026-10-03T13:02:00Z'), created_at: at('2026-10-03T13:00:00Z') },
      { external_id: w.deployment.pending, source: 'github_deployment', service: 'api-svc', environment: 'production', is_production: true, sha: w.sha.titleRevert, status: null, started_at: at('2026-11-22T11:00:00Z'), finished_at: null, created_at: at('2026-11-22T11:00:00Z') },
    ])
    const statuses = await db()
      .selectFrom('deployment_status as s')
      .innerJoin('deployment as d', 'd.id', 's.deployment_id')
      .select(['d.external_id as deployment', 's.state', 's.created_at'])
      .orderBy('s.created_at')
      .execute()
    const of = (id: string) => statuses.filter((s) => s.deployment === id).map((s) => s.state)
    expect(of(w.deployment.ok)).toEqual(['queued', 'in_progress', 'success', 'inactive'])
    expect(of(w.deployment.failed)).toEqual(['in_progress', 'error', 'success'])
    // GitHub keeps only the latest status of a deployment older than 90 days.
    expect(of(w.deployment.expired)).toEqual(['inactive'])
    expect(of(w.deployment.pending)).toEqual(['queued'])
  })

  it('stores the default branch runs (completed and in progress) and never a PR branch run', async () => {
    const runs = await db().selectFrom('workflow_run').select(['workflow_path', 'head_branch', 'status', 'conclusion', 'created_at', 'updated_at']).where('repo_id', '=', await repoId('acme/api')).orderBy('created_at').execute()
    expect(runs).toEqual([
      { workflow_path: '.github/workflows/ci.yml', head_branch: 'main', status: 'completed', conclusion: 'success', created_at: new Date('2026-10-01T12:01:00Z'), updated_at: new Date('2026-10-01T12:10:00Z') },
      { workflow_path: '.github/workflows/deploy.yml', head_branch: 'main', status: 'completed', conclusion: 'success', created_at: new Date('2026-10-01T12:30:00Z'), updated_at: new Date('2026-10-01T12:40:00Z') },
      { workflow_path: '.github/workflows/ci.yml', head_branch: 'main', status: 'in_progress', conclusion: null, created_at: new Date('2026-11-22T11:50:00Z'), updated_at: new Date('2026-11-22T11:50:00Z') },
    ])
  })

  it('stores labelled issues and milestone issues, never PRs or unrelated issues, and incidents from incident issues', async () => {
    const issues = await db().selectFrom('issue as i').leftJoin('milestone as m', 'm.id', 'i.milestone_id').select(['i.number', 'i.state', 'i.labels', 'm.title as milestone']).orderBy('i.number').execute()
    expect(issues).toEqual([
      { number: w.issue.incident, state: 'closed', labels: ['incident', 'sev2', 'service:checkout', 'security', 'root-cause:db-pool', 'customer-reported'], milestone: null },
      { number: w.issue.quietIncident, state: 'open', labels: ['incident'], milestone: null },
      { number: w.issue.bug, state: 'closed', labels: ['bug', 'production'], milestone: null },
      { number: w.issue.debt, state: 'open', labels: ['tech-debt'], milestone: 'Q4 roadmap' },
      { number: w.issue.milestoneOnly, state: 'open', labels: ['enhancement'], milestone: 'Q4 roadmap' },
    ])
    const milestones = await db().selectFrom('milestone').select(['title', 'state', 'due_on']).execute()
    expect(milestones).toEqual([{ title: 'Q4 roadmap', state: 'open', due_on: new Date('2026-12-31T00:00:00Z') }])
    const incidents = await db()
      .selectFrom('incident')
      .select(['source', 'reference', 'service', 'team_id', 'severity', 'title', 'status', 'started_at', 'resolved_at', 'is_security', 'root_cause_key', 'customer_impact', 'caused_by_sha', 'caused_by_pr'])
      .orderBy('started_at')
      .execute()
    expect(incidents).toEqual([
      { source: 'github', reference: `acme/api#${w.issue.incident}`, service: 'checkout', team_id: 'payments', severity: 'sev2', title: 'Search returns 500s', status: 'closed', started_at: new Date('2026-10-01T14:00:00Z'), resolved_at: new Date('2026-10-01T16:00:00Z'), is_security: true, root_cause_key: 'db-pool', customer_impact: true, caused_by_sha: w.sha.search, caused_by_pr: w.pr.search.number },
      { source: 'github', reference: `acme/api#${w.issue.quietIncident}`, service: null, team_id: 'payments', severity: null, title: 'Slow pages', status: 'open', started_at: new Date('2026-11-01T09:00:00Z'), resolved_at: null, is_security: false, root_cause_key: null, customer_impact: null, caused_by_sha: null, caused_by_pr: null },
    ])
  })

  it('stores Dependabot alerts where readable and a dated observation per repository', async () => {
    const alerts = await db().selectFrom('vulnerability_alert').select(['external_id', 'number', 'state', 'severity', 'package', 'fixed_at', 'dismissed_at']).orderBy('number').execute()
    expect(alerts).toEqual([
      { external_id: 'acme/api#1', number: 1, state: 'open', severity: 'critical', package: 'lodash', fixed_at: null, dismissed_at: null },
      { external_id: 'acme/api#2', number: 2, state: 'fixed', severity: 'high', package: 'axios', fixed_at: new Date('2026-09-10T00:00:00Z'), dismissed_at: null },
      { external_id: 'acme/api#3', number: 3, state: 'dismissed', severity: 'medium', package: 'requests', fixed_at: null, dismissed_at: new Date('2026-09-04T00:00:00Z') },
    ])
    const obs = await db()
      .selectFrom('repository_observation as o')
      .innerJoin('repository as r', 'r.id', 'o.repo_id')
      .select(['r.full_name', 'o.observed_on', 'o.archived', 'o.dependabot_alerts', 'o.code_scanning', 'o.adoption'])
      .orderBy('r.full_name')
      .execute()
    expect(obs).toEqual([
      { full_name: 'acme/api', observed_on: NOW.slice(0, 10), archived: false, dependabot_alerts: 'enabled', code_scanning: 'enabled', adoption: 'yes' },
      // No admin or security rights: both flags unknown, never disabled.
      { full_name: 'acme/web', observed_on: NOW.slice(0, 10), archived: false, dependabot_alerts: 'unknown', code_scanning: 'unknown', adoption: 'no' },
    ])
  })

  it('runs attribution: the PR a production deployment shipped, none for PRs never deployed', async () => {
    const links = await db()
      .selectFrom('deployment_change as c')
      .innerJoin('pull_request as p', 'p.id', 'c.pull_request_id')
      .innerJoin('deployment as d', 'd.id', 'c.deployment_id')
      .select(['p.number', 'd.external_id as deployment', 'c.method'])
      .execute()
    expect(links).toEqual([{ number: w.pr.search.number, deployment: w.deployment.ok, method: 'sha' }])
    expect(report.attribution).toEqual({ repos: 2 })
  })

  it('records a cursor and a success per repository and dataset in sync_state', async () => {
    const states = await db().selectFrom('sync_state').select(['scope', 'last_success_at', 'last_error']).where('source', '=', 'github').orderBy('scope').execute()
    const api = states.filter((s) => s.scope.startsWith('acme/api:')).map((s) => s.scope)
    expect(api).toEqual(
      ['attribution', 'commits', 'dependabot_alerts', 'deployed_commits', 'deployments', 'issues', 'milestones', 'pull_requests', 'repository_flags', 'workflow_runs'].map((r) => `acme/api:${r}`),
    )
    expect(states.filter((s) => s.scope.startsWith('acme/api:')).every((s) => s.last_success_at !== null && s.last_error === null)).toBe(true)
    const webAlerts = states.find((s) => s.scope === 'acme/web:dependabot_alerts')!
    expect(webAlerts.last_error).toMatch(/HTTP 403/)
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from sync_lock`.execute(db())
    expect(rows[0]!.n).toBe(0)
    expect(await rowCounts(db())).toMatchObject({ repository: 2, pull_request: 7, issue: 5, incident: 2, milestone: 1, vulnerability_alert: 3 })
  })
})
