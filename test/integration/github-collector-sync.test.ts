import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { FakeGitHubState, seedFakeOrg } from '../fixtures/github-fake/index.ts'
import { forEachBackend } from '../support/databases.ts'
import { NOW, emptyDatabase, requestsByRoute, rowCounts, startHarness, tableContents, type GitHubHarness } from './github-collector-fixture.ts'

const HOUR = 3_600_000

forEachBackend('GitHub collector: incremental re-syncs', (ctx) => {
  let h: GitHubHarness
  beforeAll(async () => {
    const state = new FakeGitHubState(NOW)
    seedFakeOrg(state, { repos: 3 })
    h = await startHarness({ state })
  })
  afterAll(async () => {
    await h.close()
  })

  it('re-reads nothing when nothing changed: at most 3 requests per repository, REST answered 304 with ETags kept in the database', async () => {
    await h.collect(ctx.db.db)
    const first = await tableContents(ctx.db.db)
    expect(first.pull_request!.length).toBeGreaterThan(150)

    h.fake.resetCounters()
    const second = await h.collect(ctx.db.db)
    expect(second.errors).toEqual([])
    expect(second.requests).toBeLessThanOrEqual(3 * 3)

    // A new client (a new process): the ETags come from sync_state, so the REST datasets cost a 304 each.
    h.fake.resetCounters()
    const third = await h.collect(ctx.db.db)
    expect(third.requests).toBeLessThanOrEqual(3 * 3)
    expect(third.notModified).toBe(third.repos.length * 2 - 1)
    const routes = requestsByRoute(h.fake)
    expect(routes['GET /repos/{owner}/{repo}/actions/runs 304']).toBe(3)
    // One repository has Dependabot alerts switched off: it is not asked at all.
    expect(routes['GET /repos/{owner}/{repo}/dependabot/alerts 304']).toBe(2)
    expect(routes['GET /repos/{owner}/{repo}/actions/runs']).toBeUndefined()
    expect(await tableContents(ctx.db.db)).toEqual(first)
  })
})

forEachBackend('GitHub collector: changes since the last collect', (ctx) => {
  let h: GitHubHarness
  let state: FakeGitHubState
  beforeAll(async () => {
    state = new FakeGitHubState(NOW)
    h = await startHarness({ state, github: { repos: ['acme/api'] } })
  })
  afterAll(async () => {
    await h.close()
  })

  it('picks up new and updated PRs, deployment statuses, removed incident labels and new runs', async () => {
    const api = state.addRepo('acme', { name: 'api', created_at: '2025-06-01T00:00:00Z' })
    state.addCommit(api, { authored_at: '2026-01-01T00:00:00Z', branch: 'main' })
    const first = state.addPullRequest(api, { title: 'First', user: 'alice', created_at: '2026-11-01T09:00:00Z' })
    const firstSha = state.mergePullRequest(api, first, { method: 'squash', at: '2026-11-01T12:00:00Z' })
    const pending = state.addDeployment(api, { sha: firstSha, environment: 'production', created_at: '2026-11-22T10:00:00Z', statuses: [{ state: 'in_progress', created_at: '2026-11-22T10:01:00Z' }] })
    const incident = state.addIssue(api, { title: 'Outage', labels: ['incident', 'sev1'], created_at: '2026-11-10T09:00:00Z' })
    state.addWorkflowRun(api, { workflow: 'ci.yml', head_sha: firstSha, created_at: '2026-11-01T12:01:00Z', updated_at: '2026-11-01T12:05:00Z' })

    await h.collect(ctx.db.db)
    expect(await rowCounts(ctx.db.db)).toMatchObject({ pull_request: 1, deployment: 1, incident: 1, issue: 1, workflow_run: 1 })

    // An hour later on GitHub:
    state.now = new Date(Date.parse(NOW) + HOUR)
    const second = state.addPullRequest(api, { title: 'Second', user: 'bob', created_at: '2026-11-22T12:10:00Z' })
    state.addReview(api, second, { user: 'alice', state: 'APPROVED', submitted_at: '2026-11-22T12:20:00Z' })
    const secondSha = state.mergePullRequest(api, second, { method: 'merge', at: '2026-11-22T12:30:00Z' })
    first.title = 'First (renamed)'
    first.updated_at = '2026-11-22T12:40:00Z'
    state.addDeploymentStatus(api, pending, { state: 'success', created_at: '2026-11-22T12:05:00Z' })
    incident.labels = ['bug']
    incident.updated_at = '2026-11-22T12:45:00Z'
    state.addWorkflowRun(api, { workflow: 'ci.yml', head_sha: secondSha, created_at: '2026-11-22T12:31:00Z', updated_at: '2026-11-22T12:36:00Z' })

    h.fake.resetCounters()
    const report = await h.collect(ctx.db.db)
    expect(report.errors).toEqual([])
    expect(report.requests).toBeLessThanOrEqual(6)
    const prs = await ctx.db.db.selectFrom('pull_request').select(['title', 'state', 'first_review_at', 'merge_commit_sha']).orderBy('created_at').execute()
    expect(prs).toEqual([
      { title: 'First (renamed)', state: 'merged', first_review_at: null, merge_commit_sha: firstSha },
      { title: 'Second', state: 'merged', first_review_at: new Date('2026-11-22T12:20:00Z'), merge_commit_sha: secondSha },
    ])
    const deployment = await ctx.db.db.selectFrom('deployment').select(['status', 'finished_at']).executeTakeFirstOrThrow()
    expect(deployment).toEqual({ status: 'success', finished_at: new Date('2026-11-22T12:05:00Z') })
    expect(await ctx.db.db.selectFrom('incident').selectAll().execute()).toEqual([])
    expect(await ctx.db.db.selectFrom('issue').select(['title', 'labels']).execute()).toEqual([{ title: 'Outage', labels: ['bug'] }])
    expect(await ctx.db.db.selectFrom('workflow_run').select('head_sha').orderBy('created_at').execute()).toEqual([{ head_sha: firstSha }, { head_sha: secondSha }])
    const commits = await ctx.db.db.selectFrom('commit').select('sha').execute()
    expect(commits.map((c) => c.sha)).toEqual(expect.arrayContaining([secondSha, ...state.mustRepo('acme', 'api').commits.get(secondSha)!.parents]))
  })
})

forEachBackend('GitHub collector: pagination and the 1,000-run cap', (ctx) => {
  let h: GitHubHarness
  let state: FakeGitHubState
  beforeAll(async () => {
    state = new FakeGitHubState(NOW)
    h = await startHarness({ state })
  })
  afterAll(async () => {
    await h.close()
  })
  beforeEach(async () => {
    await emptyDatabase(ctx.db.db)
    h.fake.resetCounters()
  })

  it('pages through PRs, deployments, history and issues (several GraphQL pages each)', async () => {
    const seeded = seedFakeOrg(state, { org: 'acme', repos: ['big'], prsPerRepo: 130, deploymentsPerRepo: 120, issuesPerRepo: 80, runsPerRepo: 250 })
    const repo = seeded.repos[0]!.repo
    const report = await h.collect(ctx.db.db)
    expect(report.errors).toEqual([])
    const counts = await rowCounts(ctx.db.db)
    expect(counts.pull_request).toBe(repo.pulls.length)
    expect(counts.deployment).toBe(repo.deployments.length)
    expect(counts.workflow_run).toBe(repo.runs.filter((r) => r.head_branch === 'main').length)
    const res = Object.fromEntries(report.repos[0]!.resources.map((r) => [r.name, r]))
    expect(res.pull_requests!.requests).toBeGreaterThanOrEqual(3)
    expect(res.deployments!.requests).toBeGreaterThanOrEqual(3)
    expect(res.workflow_runs!.requests).toBeGreaterThanOrEqual(2)
    // PR data stays near one request per 50 PRs.
    expect(h.fake.count('PullRequests')).toBeLessThanOrEqual(Math.ceil(repo.pulls.length / 50) + 1)
  })

  it('splits workflow-run queries into created windows under 1,000 results and stores every run', async () => {
    const repo = state.addRepo('acme', { name: 'busy', created_at: '2025-01-01T00:00:00Z' })
    const sha = state.addCommit(repo, { authored_at: '2025-12-01T00:00:00Z', branch: 'main' }).sha
    const start = Date.parse('2026-01-01T00:00:00Z')
    for (let i = 0; i < 2_500; i++) {
      const at = new Date(start + i * 2 * HOUR)
      state.addWorkflowRun(repo, { workflow: i % 10 === 0 ? 'deploy.yml' : 'ci.yml', head_sha: sha, created_at: at, updated_at: new Date(at.getTime() + 600_000), conclusion: i % 17 === 0 ? 'failure' : 'success' })
    }
    const report = await h.collect(ctx.db.db, {})
    expect(report.errors).toEqual([])
    const stored = await ctx.db.db.selectFrom('workflow_run as w').innerJoin('repository as r', 'r.id', 'w.repo_id').select('w.external_id').where('r.name', '=', 'busy').execute()
    expect(stored).toHaveLength(2_500)
    // 2,500 runs in one query would stop at 1,000: the window was split into created ranges, each under the cap.
    const busy = h.fake.requests.filter((r) => r.route === '/repos/{owner}/{repo}/actions/runs' && r.path.includes('/busy/'))
    expect(busy.filter((r) => r.query.created?.includes('..')).length).toBeGreaterThanOrEqual(3)
    // The busy repository has no GitHub deployments: its deploy runs are its deployments.
    const deployments = await ctx.db.db.selectFrom('deployment as d').innerJoin('repository as r', 'r.id', 'd.repo_id').select(['d.source', 'd.status']).where('r.name', '=', 'busy').execute()
    expect(deployments).toHaveLength(250)
    expect(deployments.every((d) => d.source === 'workflow_run')).toBe(true)
  })
})

forEachBackend('GitHub collector: deployments.from, per repository', (ctx) => {
  let h: GitHubHarness
  beforeAll(async () => {
    const state = new FakeGitHubState(NOW)
    const both = state.addRepo('acme', { name: 'both', created_at: '2025-01-01T00:00:00Z' })
    const runsOnly = state.addRepo('acme', { name: 'runs-only', created_at: '2025-01-01T00:00:00Z' })
    const stagingOnly = state.addRepo('acme', { name: 'staging-only', created_at: '2025-01-01T00:00:00Z' })
    for (const r of [both, runsOnly, stagingOnly]) {
      const sha = state.addCommit(r, { authored_at: '2026-10-01T00:00:00Z', branch: 'main' }).sha
      state.addWorkflowRun(r, { workflow: 'deploy.yml', head_sha: sha, created_at: '2026-10-02T10:00:00Z', run_started_at: '2026-10-02T10:01:00Z', updated_at: '2026-10-02T10:09:00Z', conclusion: 'success' })
      state.addWorkflowRun(r, { workflow: 'deploy.yml', head_sha: sha, created_at: '2026-10-03T10:00:00Z', updated_at: '2026-10-03T10:07:00Z', conclusion: 'failure' })
      state.addWorkflowRun(r, { workflow: 'deploy.yml', head_sha: sha, created_at: '2026-10-04T10:00:00Z', updated_at: '2026-10-04T10:02:00Z', conclusion: 'cancelled' })
      state.addWorkflowRun(r, { workflow: 'deploy.yml', head_sha: sha, created_at: '2026-11-22T11:00:00Z', status: 'in_progress' })
      state.addWorkflowRun(r, { workflow: 'ci.yml', head_sha: sha, created_at: '2026-10-02T09:00:00Z', updated_at: '2026-10-02T09:05:00Z' })
      if (r === both) state.addDeployment(r, { sha, environment: 'production', created_at: '2026-10-02T10:00:00Z', statuses: [{ state: 'success', created_at: '2026-10-02T10:08:00Z' }] })
      if (r === stagingOnly) state.addDeployment(r, { sha, environment: 'staging', created_at: '2026-10-02T10:00:00Z', statuses: [{ state: 'success', created_at: '2026-10-02T10:08:00Z' }] })
    }
    h = await startHarness({ state })
    await h.collect(ctx.db.db)
  })
  afterAll(async () => {
    await h.close()
  })

  it('takes each repository’s deployments from the first listed source that has production deployments', async () => {
    const rows = await ctx.db.db
      .selectFrom('deployment as d')
      .innerJoin('repository as r', 'r.id', 'd.repo_id')
      .select(['r.name', 'd.source', 'd.environment', 'd.is_production', 'd.status', 'd.started_at', 'd.finished_at'])
      .orderBy('r.name')
      .orderBy('d.created_at')
      .execute()
    const at = (s: string) => new Date(s)
    expect(rows).toEqual([
      { name: 'both', source: 'github_deployment', environment: 'production', is_production: true, status: 'success', started_at: at('2026-10-02T10:00:00Z'), finished_at: at('2026-10-02T10:08:00Z') },
      { name: 'runs-only', source: 'workflow_run', environment: 'production', is_production: true, status: 'success', started_at: at('2026-10-02T10:01:00Z'), finished_at: at('2026-10-02T10:09:00Z') },
      { name: 'runs-only', source: 'workflow_run', environment: 'production', is_production: true, status: 'failure', started_at: at('2026-10-03T10:00:00Z'), finished_at: at('2026-10-03T10:07:00Z') },
      { name: 'staging-only', source: 'workflow_run', environment: 'production', is_production: true, status: 'success', started_at: at('2026-10-02T10:01:00Z'), finished_at: at('2026-10-02T10:09:00Z') },
      { name: 'staging-only', source: 'workflow_run', environment: 'production', is_production: true, status: 'failure', started_at: at('2026-10-03T10:00:00Z'), finished_at: at('2026-10-03T10:07:00Z') },
    ])
    // Every run of the default branch is kept for build times, deploy runs included.
    expect((await rowCounts(ctx.db.db)).workflow_run).toBe(15)
  })
})
