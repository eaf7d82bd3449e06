// The fake GitHub the collector is tested and benchmarked against: GitHub's behaviours a careful collector relies on,
// checked through octokit (plain: no throttling, no retries) and raw fetch, against a small org whose expected values
// are worked out by hand below.
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Octokit } from 'octokit'
import { createAppAuth } from '@octokit/auth-app'
import { startFakeGitHub, seedFakeOrg, FakeGitHubState, validateResponse, type FakeGitHub, type FaultKind } from '../fixtures/github-fake/index.ts'

const TOKEN = 'ghp_test_token_1'
const OTHER_TOKEN = 'ghp_test_token_2'
const NOW = '2026-11-22T12:00:00Z'
const H = 3_600_000

/**
 * acme/api — the default branch `main`:
 *   c0 (2026-01-01) ← M1 merge of #1 (a1) ← S2 squash of #2 ← R1 ← R2 (rebase of #3: d1, d2) ← S6 squash of #6 (dependabot)
 *   #4 open, #5 closed unmerged; issues #7..#10; 1,205 deploy.yml runs every 6 h from 2026-01-01 plus 10 ci.yml runs;
 *   deployments D1 (June, success then inactive) and D2 (2026-11-20, failure); 7 Dependabot alerts.
 * acme/web — Dependabot alerts disabled; acme/legacy — the token has no admin or security rights.
 */
function buildState() {
  const s = new FakeGitHubState(NOW)
  const api = s.addRepo('acme', { name: 'api', topics: ['paved-road'], files: { '.github/workflows/golden-path.yml': 'name: golden\n' }, code_scanning: 'configured' })
  const web = s.addRepo('acme', { name: 'web', vulnerability_alerts: false })
  const legacy = s.addRepo('acme', { name: 'legacy', permissions: { admin: false, maintain: false, security_events: false } })
  const c0 = s.addCommit(api, { message: 'Initial commit', author: 'alice', authored_at: '2026-01-01T00:00:00Z', branch: 'main' })
  s.addCommit(web, { message: 'Initial commit', authored_at: '2026-01-01T00:00:00Z', branch: 'main' })
  s.addCommit(legacy, { message: 'Initial commit', authored_at: '2026-01-01T00:00:00Z', branch: 'main' })

  const pr1 = s.addPullRequest(api, { number: 1, title: 'Add retries', user: 'alice', created_at: '2026-02-01T12:00:00Z', commits: [{ authored_at: '2026-02-01T10:00:00Z' }] })
  s.addReview(api, pr1, { user: 'bob', state: 'APPROVED', submitted_at: '2026-02-01T15:00:00Z' })
  const m1 = s.mergePullRequest(api, pr1, { method: 'merge', at: '2026-02-02T09:00:00Z' })

  const pr2 = s.addPullRequest(api, { number: 2, title: 'Fix totals', user: 'carol', labels: ['bug'], created_at: '2026-03-01T12:00:00Z', commits: [{ authored_at: '2026-03-01T08:00:00Z' }, { authored_at: '2026-03-01T09:00:00Z' }] })
  s.addReview(api, pr2, { user: 'carol', state: 'COMMENTED', submitted_at: '2026-03-01T13:00:00Z' })
  s.addReview(api, pr2, { user: 'dave', state: 'APPROVED', submitted_at: '2026-03-02T10:00:00Z' })
  s.addReview(api, pr2, { user: 'erin', state: 'PENDING' })
  const s2 = s.mergePullRequest(api, pr2, { method: 'squash', at: '2026-03-02T12:00:00Z' })

  const pr3 = s.addPullRequest(api, { number: 3, title: 'Refactor client', user: 'dave', created_at: '2026-04-01T12:00:00Z', commits: [{ authored_at: '2026-04-01T09:00:00Z' }, { authored_at: '2026-04-01T10:00:00Z' }] })
  const r2 = s.mergePullRequest(api, pr3, { method: 'rebase', at: '2026-04-02T12:00:00Z' })

  const pr4 = s.addPullRequest(api, { number: 4, title: 'WIP: new API', user: 'alice', created_at: '2026-11-20T09:00:00Z', commits: [{ authored_at: '2026-11-20T08:00:00Z' }] })
  const pr5 = s.addPullRequest(api, { number: 5, title: 'Try something', user: 'bob', created_at: '2026-10-01T09:00:00Z', commits: [{ authored_at: '2026-10-01T08:00:00Z' }] })
  s.closePullRequest(pr5, '2026-10-02T09:00:00Z')
  const pr6 = s.addPullRequest(api, { number: 6, title: 'Bump lodash from 4.17.20 to 4.17.21', user: 'dependabot[bot]', labels: ['dependencies'], created_at: '2026-05-01T00:00:00Z', commits: [{ authored_at: '2026-05-01T00:00:00Z' }], commits_from: r2 })
  const s6 = s.mergePullRequest(api, pr6, { method: 'squash', at: '2026-05-01T06:00:00Z' })

  s.addIssue(api, { number: 7, title: 'Checkout down', labels: ['incident', 'sev1', 'service:api'], created_at: '2026-06-01T11:00:00Z', closed_at: '2026-06-01T13:00:00Z', body: `root cause: ${m1}` })
  s.addIssue(api, { number: 8, title: 'Wrong total', labels: ['bug', 'production', 'customer-reported'], created_at: '2026-07-01T00:00:00Z' })
  s.addIssue(api, { number: 9, title: 'Typo', labels: ['bug'], created_at: '2026-08-01T00:00:00Z', closed_at: '2026-08-05T00:00:00Z' })
  s.addIssue(api, { number: 10, title: 'Latency spike', labels: ['incident', 'sev3'], created_at: '2026-11-21T00:00:00Z' })
  s.addMilestone(api, { title: 'Q3', due_on: '2026-09-30T00:00:00Z', created_at: '2026-07-01T00:00:00Z' })

  const d1 = s.addDeployment(api, { sha: m1, environment: 'production', created_at: '2026-06-01T10:00:00Z', statuses: [
    { state: 'queued', created_at: '2026-06-01T10:00:00Z' }, { state: 'in_progress', created_at: '2026-06-01T10:01:00Z' },
    { state: 'success', created_at: '2026-06-01T10:05:00Z' }, { state: 'inactive', created_at: '2026-07-01T00:00:00Z' },
  ] })
  const d2 = s.addDeployment(api, { sha: s6, environment: 'production', created_at: '2026-11-20T10:00:00Z', statuses: [
    { state: 'queued', created_at: '2026-11-20T10:00:00Z' }, { state: 'in_progress', created_at: '2026-11-20T10:01:00Z' }, { state: 'failure', created_at: '2026-11-20T10:06:00Z' },
  ] })
  s.addDeployment(api, { sha: s2, environment: 'staging', created_at: '2026-03-03T10:00:00Z', statuses: [{ state: 'success', created_at: '2026-03-03T10:05:00Z' }] })

  const jan1 = Date.parse('2026-01-01T00:00:00Z')
  for (let k = 0; k < 1205; k++) s.addWorkflowRun(api, { workflow: 'deploy.yml', head_sha: c0.sha, created_at: new Date(jan1 + k * 6 * H), updated_at: new Date(jan1 + k * 6 * H + 600_000) })
  for (let k = 0; k < 10; k++) s.addWorkflowRun(api, { workflow: 'ci.yml', head_branch: 'alice/change-4', head_sha: pr4.head_sha, event: 'pull_request', created_at: new Date(Date.parse('2026-11-20T09:00:00Z') + k * H) })

  const sev = ['critical', 'high', 'medium', 'low', 'critical', 'high', 'medium'] as const
  for (let i = 0; i < 7; i++) {
    const created = `2026-01-0${i + 1}T00:00:00Z`
    s.addAlert(api, {
      severity: sev[i]!,
      created_at: created,
      fixed_at: i === 1 || i === 4 ? '2026-01-10T00:00:00Z' : null,
      dismissed_at: i === 2 ? '2026-01-11T00:00:00Z' : null,
      auto_dismissed_at: i === 5 ? '2026-01-12T00:00:00Z' : null,
    })
  }
  s.addAlert(web, { severity: 'high', created_at: '2026-02-01T00:00:00Z' })
  s.addAlert(legacy, { severity: 'critical', created_at: '2026-02-01T00:00:00Z' })
  return { s, api, pr1, pr2, pr3, pr4, pr6, c0, m1, s2, r2, s6, d1, d2 }
}

const octokit = (fake: FakeGitHub, auth = TOKEN) => new Octokit({ auth, baseUrl: fake.url, throttle: { enabled: false }, retry: { enabled: false } } as any)

describe('fake GitHub', () => {
  const w = buildState()
  let fake: FakeGitHub
  let gh: Octokit
  const get = (path: string, token = TOKEN, headers: Record<string, string> = {}) => fetch(`${fake.url}${path}`, { headers: { authorization: `token ${token}`, ...headers } })

  beforeAll(async () => {
    fake = await startFakeGitHub({ state: w.s, tokens: [TOKEN, OTHER_TOKEN], faults: { retryAfter: 0 } })
    gh = octokit(fake)
  })
  afterEach(() => fake.faults.clear())
  afterAll(async () => {
    // Every response of the suite was validated against GitHub's OpenAPI description; none failed.
    expect(fake.errors).toEqual([])
    await fake.close()
  })

  it('answers 401 without a known token, and rate-limit headers on every response', async () => {
    expect((await fetch(`${fake.url}/repos/acme/api`)).status).toBe(401)
    expect((await get('/repos/acme/api', 'ghp_nope')).status).toBe(401)
    fake.resetCounters()
    const r1 = await get('/repos/acme/api')
    const r2 = await get('/repos/acme/api/pulls')
    expect(r1.headers.get('x-ratelimit-limit')).toBe('5000')
    expect(r1.headers.get('x-ratelimit-resource')).toBe('core')
    expect(r1.headers.get('x-ratelimit-remaining')).toBe('4999')
    expect(r2.headers.get('x-ratelimit-remaining')).toBe('4998')
    expect(r2.headers.get('x-ratelimit-used')).toBe('2')
    expect(Number(r2.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
    const rl = await gh.request('GET /rate_limit')
    expect(rl.data.resources.core.remaining).toBe(4998) // /rate_limit itself is free
    expect(rl.data.rate.used).toBe(2)
  })

  it('pages with Link headers on GitHub\'s /repositories/{id} form, and octokit.paginate collects every item', async () => {
    // acme/api has 4 issues and 6 PRs: 10 items, 3 per page → 4 pages.
    const first = await get('/repos/acme/api/issues?state=all&per_page=3')
    const link = first.headers.get('link')!
    expect(link).toBe(`<${fake.url}/repositories/${w.api.id}/issues?state=all&per_page=3&page=2>; rel="next", <${fake.url}/repositories/${w.api.id}/issues?state=all&per_page=3&page=4>; rel="last"`)
    const middle = await fetch(`${fake.url}/repositories/${w.api.id}/issues?state=all&per_page=3&page=2`, { headers: { authorization: `token ${TOKEN}` } })
    expect(middle.headers.get('link')).toMatch(/page=1>; rel="prev", .*page=3>; rel="next", .*page=4>; rel="last", .*page=1>; rel="first"$/)
    expect(((await middle.json()) as any[]).map((i) => i.number)).toEqual([9, 8, 7]) // created desc: #10, #4, #5 | #9 Aug, #8 Jul, #7 Jun | …
    const all = await gh.paginate('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api', state: 'all', per_page: 3 })
    expect(all.map((i) => i.number)).toEqual([10, 4, 5, 9, 8, 7, 6, 3, 2, 1])
    // per_page is capped at 100; past the last page, an empty list.
    const commits = await gh.request('GET /repos/{owner}/{repo}/commits', { owner: 'acme', repo: 'api', per_page: 500 })
    expect(commits.data).toHaveLength(7)
    const beyond = await gh.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api', state: 'all', page: 9 })
    expect(beyond.data).toEqual([])
  })

  it('answers If-None-Match with 304, not charged, ETags tied to the token', async () => {
    fake.resetCounters()
    const a = await get('/repos/acme/api/pulls?state=all')
    const etag = a.headers.get('etag')!
    expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/)
    const b = await get('/repos/acme/api/pulls?state=all', TOKEN, { 'if-none-match': etag })
    expect(b.status).toBe(304)
    expect(b.headers.get('x-ratelimit-remaining')).toBe('4999')
    expect(fake.requests.at(-1)).toMatchObject({ status: 304, notModified: true, cost: 0, route: '/repos/{owner}/{repo}/pulls' })
    const other = await get('/repos/acme/api/pulls?state=all', OTHER_TOKEN, { 'if-none-match': etag })
    expect(other.status).toBe(200)
    await expect(gh.request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'api', state: 'all', headers: { 'if-none-match': etag } })).rejects.toMatchObject({ status: 304 })
  })

  it('lists PRs like GitHub: merged_at but no merged flag, test-merge SHAs on open PRs, sort=updated ascending by default', async () => {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'api', state: 'all', sort: 'updated', direction: 'desc' })
    expect(data.map((p) => p.number)).toEqual([4, 5, 6, 3, 2, 1])
    const byNumber = new Map(data.map((p) => [p.number, p]))
    expect(byNumber.get(2)).toMatchObject({ merged_at: '2026-03-02T12:00:00Z', merge_commit_sha: w.s2, state: 'closed' })
    expect(byNumber.get(3)!.merge_commit_sha).toBe(w.r2)
    expect(byNumber.get(5)!.merged_at).toBeNull()
    expect(byNumber.get(4)!.merge_commit_sha).toMatch(/^[0-9a-f]{40}$/) // a test merge, on no branch
    expect(w.s.history(w.api, 'main')!.some((c) => c.sha === byNumber.get(4)!.merge_commit_sha)).toBe(false)
    expect('merged' in byNumber.get(1)!).toBe(false)
    expect(byNumber.get(6)!.user!.type).toBe('Bot')
    const asc = await gh.request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'api', state: 'closed', sort: 'updated' })
    expect(asc.data.map((p) => p.number)).toEqual([1, 2, 3, 6, 5])

    const one = await gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'acme', repo: 'api', pull_number: 3 })
    expect(one.data).toMatchObject({ merged: true, merged_by: { login: 'dave' }, commits: 2, merge_commit_sha: w.r2 })
    await expect(gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'acme', repo: 'api', pull_number: 99 })).rejects.toMatchObject({ status: 404 })

    const commits = await gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/commits', { owner: 'acme', repo: 'api', pull_number: 2, per_page: 1 })
    expect(commits.data[0]!.commit.author!.date).toBe('2026-03-01T08:00:00Z')
    expect(commits.headers.link).toContain('rel="last"')
    const reviews = await gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { owner: 'acme', repo: 'api', pull_number: 2 })
    expect(reviews.data.map((r) => [r.user!.login, r.state, r.submitted_at])).toEqual([
      ['carol', 'COMMENTED', '2026-03-01T13:00:00Z'],
      ['dave', 'APPROVED', '2026-03-02T10:00:00Z'],
      ['erin', 'PENDING', undefined],
    ])
  })

  it('serves the default branch graph with parents, and compare in chronological order', async () => {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/commits', { owner: 'acme', repo: 'api', sha: 'main', per_page: 100 })
    const r1 = w.s.history(w.api, 'main')![2]!.sha
    expect(data.map((c) => c.sha)).toEqual([w.s6, w.r2, r1, w.s2, w.m1, w.pr1.commits[0], w.c0.sha])
    expect(data[4]!.parents.map((p) => p.sha)).toEqual([w.c0.sha, w.pr1.commits[0]])
    // The rebased commits keep their authored dates; their commit date is the merge.
    expect(data[1]!.commit.author!.date).toBe('2026-04-01T10:00:00Z')
    expect(data[1]!.commit.committer!.date).toBe('2026-04-02T12:00:00Z')
    const since = await gh.request('GET /repos/{owner}/{repo}/commits', { owner: 'acme', repo: 'api', since: '2026-03-01T00:00:00Z' })
    expect(since.data).toHaveLength(4)

    const cmp = await gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: 'acme', repo: 'api', basehead: `${w.pr3.commits[0]}...main` })
    expect(cmp.data).toMatchObject({ status: 'diverged', ahead_by: 3, behind_by: 1, total_commits: 3 })
    expect(cmp.data.merge_base_commit.sha).toBe(w.s2)
    expect(cmp.data.commits.map((c) => c.sha)).toEqual([r1, w.r2, w.s6])
    await expect(gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: 'acme', repo: 'api', basehead: 'nope...main' })).rejects.toMatchObject({ status: 404 })
    const single = await gh.request('GET /repos/{owner}/{repo}/commits/{ref}', { owner: 'acme', repo: 'api', ref: w.m1.slice(0, 7) })
    expect(single.data.sha).toBe(w.m1)
    await expect(gh.request('GET /repos/{owner}/{repo}/commits/{ref}', { owner: 'acme', repo: 'api', ref: 'f'.repeat(40) })).rejects.toMatchObject({ status: 422 })
  })

  it('caps a filtered workflow-run query at 1,000 runs while total_count counts them all', async () => {
    const page10 = await gh.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', { owner: 'acme', repo: 'api', workflow_id: 'deploy.yml', branch: 'main', per_page: 100, page: 10 })
    expect(page10.data.total_count).toBe(1205)
    expect(page10.data.workflow_runs).toHaveLength(100)
    expect(page10.headers.link).not.toContain('rel="next"')
    const page11 = await gh.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', { owner: 'acme', repo: 'api', workflow_id: 'deploy.yml', branch: 'main', per_page: 100, page: 11 })
    expect(page11.data.total_count).toBe(1205)
    expect(page11.data.workflow_runs).toEqual([])
    const all = await gh.paginate('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', { owner: 'acme', repo: 'api', workflow_id: 'deploy.yml', branch: 'main', per_page: 100 })
    expect(all).toHaveLength(1000)
    // Unfiltered, everything is reachable: page 13 holds runs 1,201..1,205.
    const unfiltered = await gh.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', { owner: 'acme', repo: 'api', workflow_id: 'deploy.yml', per_page: 100, page: 13 })
    expect(unfiltered.data.workflow_runs).toHaveLength(5)
    // Runs every 6 h from 2026-01-01: March (days 59..89) holds k = 236..359 → 124 runs; from 2026-10-01 (day 273) k ≥ 1,092 → 113.
    const march = await gh.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', { owner: 'acme', repo: 'api', workflow_id: 'deploy.yml', created: '2026-03-01..2026-03-31', per_page: 1 })
    expect(march.data.total_count).toBe(124)
    const october = await gh.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', { owner: 'acme', repo: 'api', workflow_id: 'deploy.yml', created: '>=2026-10-01', per_page: 100 })
    expect(october.data.total_count).toBe(113)
    expect(october.data.workflow_runs[0]!.created_at).toBe('2026-10-29T00:00:00Z') // newest first: k = 1,204
    const byId = await gh.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', { owner: 'acme', repo: 'api', workflow_id: Number(page10.data.workflow_runs[0]!.workflow_id), per_page: 1 })
    expect(byId.data.total_count).toBe(1205)
    const repoRuns = await gh.request('GET /repos/{owner}/{repo}/actions/runs', { owner: 'acme', repo: 'api', event: 'pull_request' })
    expect(repoRuns.data.total_count).toBe(10)
    const run = await gh.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner: 'acme', repo: 'api', run_id: Number(october.data.workflow_runs[0]!.id) })
    expect(run.data).toMatchObject({ status: 'completed', conclusion: 'success', path: '.github/workflows/deploy.yml', created_at: '2026-10-29T00:00:00Z', updated_at: '2026-10-29T00:10:00Z' })
  })

  it('deletes deployment statuses older than 90 days except the latest', async () => {
    const statuses = async (id: number) => (await gh.request('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { owner: 'acme', repo: 'api', deployment_id: id })).data.map((s) => s.state)
    // now = 2026-11-22: everything of D1 (June) is older than 90 days; only its latest status survives.
    expect(await statuses(w.d1.id)).toEqual(['inactive'])
    expect(await statuses(w.d2.id)).toEqual(['failure', 'in_progress', 'queued'])
    w.s.now = new Date('2026-07-15T00:00:00Z')
    try {
      expect(await statuses(w.d1.id)).toEqual(['inactive', 'success', 'in_progress', 'queued'])
    } finally {
      w.s.now = new Date(NOW)
    }
    const deployments = await gh.request('GET /repos/{owner}/{repo}/deployments', { owner: 'acme', repo: 'api', environment: 'production' })
    expect(deployments.data.map((d) => d.id)).toEqual([w.d2.id, w.d1.id])
  })

  it('filters issues with labels=a,b as AND, and lists PRs among issues with a pull_request key', async () => {
    const numbers = async (params: Record<string, string>) => (await gh.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api', ...params })).data.map((i) => [i.number, !!i.pull_request])
    expect(await numbers({ state: 'all', labels: 'bug' })).toEqual([[9, false], [8, false], [2, true]])
    expect(await numbers({ state: 'all', labels: 'bug,production' })).toEqual([[8, false]])
    expect(await numbers({ state: 'all', labels: 'incident,sev1' })).toEqual([[7, false]])
    expect(await numbers({})).toEqual([[10, false], [4, true], [8, false]]) // state defaults to open
    expect(await numbers({ state: 'all', since: '2026-10-01T00:00:00Z' })).toEqual([[10, false], [4, true], [5, true]])
    const pr = (await gh.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api', state: 'closed', labels: 'dependencies' })).data[0]!
    expect(pr.pull_request).toMatchObject({ merged_at: '2026-05-01T06:00:00Z' })
    await expect(gh.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api', state: 'bogus' as any })).rejects.toMatchObject({ status: 422 })
    const milestones = await gh.request('GET /repos/{owner}/{repo}/milestones', { owner: 'acme', repo: 'api', state: 'all' })
    expect(milestones.data.map((m) => [m.title, m.due_on])).toEqual([['Q3', '2026-09-30T00:00:00Z']])
  })

  it('answers vulnerability-alerts 204 / 404 / 403 and code-scanning default setup by rights', async () => {
    expect((await get('/repos/acme/api/vulnerability-alerts')).status).toBe(204)
    expect((await get('/repos/acme/web/vulnerability-alerts')).status).toBe(404)
    expect((await get('/repos/acme/legacy/vulnerability-alerts')).status).toBe(403)
    expect((await get('/repos/acme/nope/vulnerability-alerts')).status).toBe(404)
    const cs = await gh.request('GET /repos/{owner}/{repo}/code-scanning/default-setup', { owner: 'acme', repo: 'api' })
    expect(cs.data.state).toBe('configured')
    expect((await gh.request('GET /repos/{owner}/{repo}/code-scanning/default-setup', { owner: 'acme', repo: 'web' })).data.state).toBe('not-configured')
    await expect(gh.request('GET /repos/{owner}/{repo}/code-scanning/default-setup', { owner: 'acme', repo: 'legacy' })).rejects.toMatchObject({ status: 403 })
    expect((await get('/repos/acme/api/contents/.github/workflows/golden-path.yml')).status).toBe(200)
    expect((await get('/repos/acme/web/contents/.github/workflows/golden-path.yml')).status).toBe(404)
    const repo = await gh.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'api' })
    expect(repo.data).toMatchObject({ default_branch: 'main', archived: false, topics: ['paved-road'], visibility: 'private' })
    expect(repo.data.security_and_analysis).not.toHaveProperty('dependabot_alerts')
  })

  it('pages Dependabot alerts by cursor (after=…), rejects page=, and filters by state and severity', async () => {
    const first = await get('/repos/acme/api/dependabot/alerts?per_page=3')
    expect(((await first.json()) as any[]).map((a) => a.number)).toEqual([7, 6, 5])
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link')!)![1]!
    expect(next).toMatch(/[?&]after=[^&]+/)
    expect(next).not.toMatch(/[?&]page=/)
    const second = await fetch(next, { headers: { authorization: `token ${TOKEN}` } })
    expect(((await second.json()) as any[]).map((a) => a.number)).toEqual([4, 3, 2])
    expect(second.headers.get('link')).toContain('rel="prev"')
    const all = await gh.paginate('GET /repos/{owner}/{repo}/dependabot/alerts', { owner: 'acme', repo: 'api', per_page: 3 })
    expect(all.map((a) => a.number)).toEqual([7, 6, 5, 4, 3, 2, 1])
    expect(all.find((a) => a.number === 2)).toMatchObject({ state: 'fixed', fixed_at: '2026-01-10T00:00:00Z', security_vulnerability: { severity: 'high' } })
    expect((await get('/repos/acme/api/dependabot/alerts?page=2')).status).toBe(400)
    const filtered = await gh.request('GET /repos/{owner}/{repo}/dependabot/alerts', { owner: 'acme', repo: 'api', state: 'open,fixed', severity: 'critical' })
    expect(filtered.data.map((a) => a.number)).toEqual([5, 1])
    // Org-wide: only repositories with alerts enabled that the token may read (web: disabled; legacy: no rights).
    const org = await gh.paginate('GET /orgs/{org}/dependabot/alerts', { org: 'acme', per_page: 100 })
    expect(org.map((a) => `${a.repository.name}#${a.number}`)).toEqual(['api#7', 'api#6', 'api#5', 'api#4', 'api#3', 'api#2', 'api#1'])
    expect((await get('/repos/acme/web/dependabot/alerts')).status).toBe(403)
  })

  it('answers a valid GraphQL PR query with the right nodes, cursors and cost', async () => {
    const query = `query MergedPRs($cursor: String) {
      repository(owner: "acme", name: "api") {
        pullRequests(first: 2, after: $cursor, states: [MERGED], orderBy: {field: CREATED_AT, direction: ASC}) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { number createdAt mergedAt mergeCommit { oid } author { login __typename }
            commits(first: 1) { nodes { commit { authoredDate } } }
            reviews(first: 5) { nodes { state submittedAt author { login } } }
            labels(first: 5) { nodes { name } } }
        }
      }
      rateLimit { cost remaining resetAt }
    }`
    fake.resetCounters()
    const p1: any = await gh.graphql(query, { cursor: null })
    const prs = p1.repository.pullRequests
    expect(prs.totalCount).toBe(4)
    expect(prs.pageInfo.hasNextPage).toBe(true)
    expect(prs.nodes.map((n: any) => n.number)).toEqual([1, 2])
    expect(prs.nodes[0]).toMatchObject({ createdAt: '2026-02-01T12:00:00Z', mergedAt: '2026-02-02T09:00:00Z', mergeCommit: { oid: w.m1 }, author: { login: 'alice', __typename: 'User' }, commits: { nodes: [{ commit: { authoredDate: '2026-02-01T10:00:00Z' } }] } })
    expect(prs.nodes[1].reviews.nodes).toEqual([
      { state: 'COMMENTED', submittedAt: '2026-03-01T13:00:00Z', author: { login: 'carol' } },
      { state: 'APPROVED', submittedAt: '2026-03-02T10:00:00Z', author: { login: 'dave' } },
      { state: 'PENDING', submittedAt: null, author: { login: 'erin' } },
    ])
    expect(prs.nodes[1].labels.nodes).toEqual([{ name: 'bug' }])
    // 1 + 2 + 2 + 2 = 7 requests → 1 point.
    expect(p1.rateLimit).toMatchObject({ cost: 1, remaining: 4999 })
    const p2: any = await gh.graphql(query, { cursor: prs.pageInfo.endCursor })
    expect(p2.repository.pullRequests.nodes.map((n: any) => [n.number, n.author.__typename])).toEqual([[3, 'User'], [6, 'Bot']])
    expect(p2.repository.pullRequests.pageInfo.hasNextPage).toBe(false)
    expect(fake.requests.map((r) => [r.route, r.operationName, r.resource, r.cost])).toEqual([['graphql', 'MergedPRs', 'graphql', 1], ['graphql', 'MergedPRs', 'graphql', 1]])

    const g: any = await gh.graphql(`{ repository(owner: "acme", name: "api") {
      isArchived hasVulnerabilityAlertsEnabled repositoryTopics(first: 10) { nodes { topic { name } } }
      defaultBranchRef { name target { ... on Commit { history(first: 3, since: "2026-03-01T00:00:00Z") { totalCount pageInfo { hasNextPage } nodes { oid parents(first: 2) { nodes { oid } } authoredDate committedDate } } } } }
      object(expression: "HEAD:.github/workflows/golden-path.yml") { ... on Blob { text } }
      deployments(first: 10, environments: ["production"], orderBy: {field: CREATED_AT, direction: DESC}) { nodes { databaseId commitOid environment state latestStatus { state createdAt } statuses(first: 10) { totalCount nodes { state } } } }
    } }`)
    const r = g.repository
    expect(r).toMatchObject({ isArchived: false, hasVulnerabilityAlertsEnabled: true, repositoryTopics: { nodes: [{ topic: { name: 'paved-road' } }] }, object: { text: 'name: golden\n' } })
    expect(r.defaultBranchRef.name).toBe('main')
    expect(r.defaultBranchRef.target.history.totalCount).toBe(4)
    expect(r.defaultBranchRef.target.history.pageInfo.hasNextPage).toBe(true)
    expect(r.defaultBranchRef.target.history.nodes[0]).toMatchObject({ oid: w.s6, parents: { nodes: [{ oid: w.r2 }] } })
    expect(r.deployments.nodes).toEqual([
      { databaseId: w.d2.id, commitOid: w.s6, environment: 'production', state: 'FAILURE', latestStatus: { state: 'FAILURE', createdAt: '2026-11-20T10:06:00Z' }, statuses: { totalCount: 3, nodes: [{ state: 'FAILURE' }, { state: 'IN_PROGRESS' }, { state: 'QUEUED' }] } },
      { databaseId: w.d1.id, commitOid: w.m1, environment: 'production', state: 'INACTIVE', latestStatus: { state: 'INACTIVE', createdAt: '2026-07-01T00:00:00Z' }, statuses: { totalCount: 1, nodes: [{ state: 'INACTIVE' }] } },
    ])
    const legacy: any = await gh.graphql(`{ organization(login: "acme") { repositories(first: 10) { totalCount nodes { name } } } nodes(ids: ["${w.pr1.node_id}"]) { ... on PullRequest { number } } }`)
    expect(legacy.organization.repositories.totalCount).toBe(3)
    expect(legacy.nodes).toEqual([{ number: 1 }])
    expect(fake.graphqlFailures).toEqual([])
  })

  it('rejects an invalid GraphQL query with GitHub\'s error format and records it', async () => {
    fake.resetCounters()
    const res = await fetch(`${fake.url}/graphql`, { method: 'POST', headers: { authorization: `bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Bad { repository(owner: "acme", name: "api") { pullRequests(first: 5) { nodes { number mergedFlag } } } }' }) })
    expect(res.status).toBe(200)
    const body: any = await res.json()
    expect(body.data).toBeUndefined()
    // `mergedFlag` starts at column 94: "query Bad { " (12) + "repository(owner: \"acme\", name: \"api\") { " (41) + "pullRequests(first: 5) { " (25) + "nodes { number " (15).
    expect(body.errors).toEqual([{ message: "Field 'mergedFlag' doesn't exist on type 'PullRequest'", locations: [{ line: 1, column: 94 }], extensions: { code: 'undefinedField', typeName: 'PullRequest', fieldName: 'mergedFlag' } }])
    expect(fake.graphqlFailures).toHaveLength(1)
    expect(fake.graphqlFailures[0]).toMatchObject({ kind: 'validation', operationName: 'Bad' })
    // octokit surfaces it as a GraphqlResponseError.
    await expect(gh.graphql('{ repository(owner: "acme", name: "api") { pullRequests(first: 5) { nodes { nope } } } }')).rejects.toThrow(/Field 'nope' doesn't exist on type 'PullRequest'/)
    // GitHub's pagination rules: a connection needs first/last, at most 100.
    await expect(gh.graphql('{ repository(owner: "acme", name: "api") { pullRequests { totalCount } } }')).rejects.toMatchObject({ errors: [{ type: 'MISSING_PAGINATION_BOUNDARIES' }] })
    await expect(gh.graphql('{ repository(owner: "acme", name: "api") { pullRequests(first: 101) { totalCount } } }')).rejects.toMatchObject({ errors: [{ type: 'EXCESSIVE_PAGINATION', message: 'Requesting 101 records on the `pullRequests` connection exceeds the `first` limit of 100 records.' }] })
    expect(fake.graphqlFailures.map((f) => f.kind)).toEqual(['validation', 'validation', 'pagination', 'pagination'])
    // A missing repository is a NOT_FOUND error beside data, as on GitHub.
    await expect(gh.graphql('{ repository(owner: "acme", name: "nope") { name } }')).rejects.toMatchObject({ errors: [{ type: 'NOT_FOUND', path: ['repository'] }], data: { repository: null } })
  })

  it('fails GraphQL with 502 when a page is too big, so halving the page size succeeds', async () => {
    fake.faults.set({ graphqlMaxNodes: 1000 })
    const q = (n: number) => `{ repository(owner: "acme", name: "api") { pullRequests(first: ${n}) { nodes { reviews(first: 20) { totalCount } } } } }`
    // first: 50 → 50 + 50 × 20 = 1,050 nodes; first: 25 → 525.
    await expect(gh.graphql(q(50))).rejects.toMatchObject({ status: 502 })
    await expect(gh.graphql(q(25))).resolves.toBeTruthy()
  })

  it('injects each fault kind, and the same seed gives the same faults', async () => {
    const expectations: Array<[FaultKind, (r: Response | Error) => Promise<void>]> = [
      ['502', async (r) => { expect((r as Response).status).toBe(502); expect(await (r as Response).text()).toContain('Unicorn!') }],
      ['429', async (r) => { expect((r as Response).status).toBe(429); expect((r as Response).headers.get('retry-after')).toBe('0') }],
      ['secondary403', async (r) => { expect((r as Response).status).toBe(403); expect(((await (r as Response).json()) as any).message).toMatch(/secondary rate limit/) }],
      ['primary403', async (r) => { expect((r as Response).status).toBe(403); expect((r as Response).headers.get('x-ratelimit-remaining')).toBe('0'); expect(Number((r as Response).headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1) }],
      ['truncated', async (r) => { expect((r as Response).status).toBe(200); await expect((r as Response).json()).rejects.toThrow() }],
      ['reset', async (r) => { await expect(r instanceof Error ? Promise.reject(r) : (r as Response).text()).rejects.toThrow() }],
      ['drop', async (r) => { expect(r).toBeInstanceOf(Error) }],
    ]
    for (const [kind, check] of expectations) {
      fake.faults.failNext(1, kind)
      const r = await get('/repos/acme/api/pulls?state=all').catch((e: Error) => e)
      await check(r)
      expect(fake.requests.at(-1)!.fault).toBe(kind)
      expect((await get('/repos/acme/api')).status).toBe(200) // one fault, then normal service
    }
    // octokit sees a truncated body as a string, and a reset mid-body as an empty string: a collector must check the shape.
    fake.faults.failNext(1, 'truncated')
    expect(typeof (await gh.request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'api', state: 'all' })).data).toBe('string')

    // Random faults: a function of the seed and the request sequence only.
    const run = async () => {
      const kinds: Array<string | null> = []
      for (let i = 1; i <= 40; i++) {
        await get(`/repos/acme/api/issues?state=all&per_page=${i}`).then((r) => r.arrayBuffer()).catch(() => null)
        kinds.push(fake.requests.at(-1)!.fault ?? null)
      }
      return kinds
    }
    fake.faults.set({ rate: 0.5, kinds: ['502', '429', 'secondary403', 'reset', 'truncated'], seed: 42 })
    const a = await run()
    fake.faults.set({ seed: 42 })
    const b = await run()
    fake.faults.set({ seed: 43 })
    const c = await run()
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
    const faulted = a.filter(Boolean).length
    expect(faulted).toBeGreaterThan(8)
    expect(faulted).toBeLessThan(32)
    // Every request fails with the only kind allowed at rate 1.
    fake.faults.set({ rate: 1, kinds: ['429'], seed: 1 })
    for (let i = 0; i < 3; i++) expect((await get(`/repos/acme/api/commits?per_page=${i + 1}`)).status).toBe(429)
    fake.faults.clear()
    // Faults never change the model.
    expect((await gh.paginate('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'api', state: 'all' })).length).toBe(10)
  })

  it('exhausts the primary limit with 403 and remaining 0', async () => {
    const small = await startFakeGitHub({ state: w.s, tokens: [TOKEN], rateLimit: { limit: 2 } })
    try {
      const req = () => fetch(`${small.url}/repos/acme/api`, { headers: { authorization: `token ${TOKEN}` } })
      expect((await req()).status).toBe(200)
      expect((await req()).headers.get('x-ratelimit-remaining')).toBe('0')
      const third = await req()
      expect(third.status).toBe(403)
      expect(third.headers.get('x-ratelimit-remaining')).toBe('0')
      expect(((await third.json()) as any).message).toMatch(/^API rate limit exceeded/)
      expect(small.rateLimit(TOKEN).used).toBe(2)
    } finally {
      await small.close()
    }
  })

  it('serves GitHub Enterprise Server paths under /api/v3 and GraphQL at /api/graphql', async () => {
    // Rate limiting is off by default on GitHub Enterprise Server: no x-ratelimit-* headers, and /rate_limit is a 404.
    const ghes = await startFakeGitHub({ state: w.s, tokens: [TOKEN], prefix: '/api/v3', rateLimiting: false })
    try {
      expect(ghes.url).toMatch(/\/api\/v3$/)
      const o = octokit(ghes)
      expect((await o.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'api' })).data.full_name).toBe('acme/api')
      const g: any = await o.graphql('query Name { repository(owner: "acme", name: "api") { nameWithOwner } }')
      expect(g.repository.nameWithOwner).toBe('acme/api')
      expect(ghes.requests.map((r) => [r.method, r.path, r.status])).toEqual([['GET', '/repos/acme/api', 200], ['POST', '/graphql', 200]])
      const root = ghes.url.replace(/\/api\/v3$/, '')
      expect((await fetch(`${root}/repos/acme/api`, { headers: { authorization: `token ${TOKEN}` } })).status).toBe(404)
      const page = await fetch(`${ghes.url}/repos/acme/api/issues?state=all&per_page=5`, { headers: { authorization: `token ${TOKEN}` } })
      expect(page.headers.get('link')).toContain(`${root}/api/v3/repositories/${w.api.id}/issues?`)
      expect(page.headers.get('x-ratelimit-remaining')).toBeNull()
      await expect(o.request('GET /rate_limit')).rejects.toMatchObject({ status: 404 })
    } finally {
      await ghes.close()
    }
  })

  it('exchanges a GitHub App JWT for an installation token, then accepts that token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
    const appFake = await startFakeGitHub({ state: w.s, tokens: [], app: { id: 4242, publicKey, installations: [{ id: 77, org: 'acme' }] } })
    try {
      const o = new Octokit({ authStrategy: createAppAuth, auth: { appId: 4242, privateKey, installationId: 77 }, baseUrl: appFake.url, throttle: { enabled: false }, retry: { enabled: false } } as any)
      const repo = await o.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'api' })
      expect(repo.data.name).toBe('api')
      const g: any = await o.graphql('{ repository(owner: "acme", name: "api") { name } }')
      expect(g.repository.name).toBe('api')
      expect(appFake.requests.map((r) => [r.method, r.route, r.auth, r.status])).toEqual([
        ['POST', '/app/installations/{installation_id}/access_tokens', 'app', 201],
        ['GET', '/repos/{owner}/{repo}', 'installation', 200],
        ['POST', 'graphql', 'installation', 200],
      ])
      const listed = await o.request('GET /installation/repositories')
      expect(listed.data.repositories.map((r) => r.full_name)).toEqual(['acme/api', 'acme/web', 'acme/legacy'])
      const app = createAppAuth({ appId: 4242, privateKey })
      const { token: jwt } = await app({ type: 'app' })
      const inst = await fetch(`${appFake.url}/app/installations/77`, { headers: { authorization: `Bearer ${jwt}` } })
      expect(((await inst.json()) as any).account.login).toBe('acme')
      // The JWT itself is no token for repository endpoints; a JWT signed with another key or for another app is refused.
      expect((await fetch(`${appFake.url}/repos/acme/api`, { headers: { authorization: `Bearer ${jwt}` } })).status).toBe(403)
      const forged = (await createAppAuth({ appId: 4242, privateKey: other.privateKey })({ type: 'app' })).token
      expect((await fetch(`${appFake.url}/app/installations/77`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401)
      const wrongApp = (await createAppAuth({ appId: 1, privateKey })({ type: 'app' })).token
      expect((await fetch(`${appFake.url}/app/installations/77/access_tokens`, { method: 'POST', headers: { authorization: `Bearer ${wrongApp}` } })).status).toBe(401)
      expect((await fetch(`${appFake.url}/app/installations/99/access_tokens`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` } })).status).toBe(404)
    } finally {
      await appFake.close()
    }
  })

  it('validates responses against the OpenAPI description (a mismatch is a loud failure)', () => {
    expect(validateResponse('get', '/repos/{owner}/{repo}/pulls', 200, [{ number: 'one' }])).toMatch(/^GET \/repos\/\{owner\}\/\{repo\}\/pulls 200: /)
  })
})

describe('seedFakeOrg', () => {
  it('builds the same realistic org for the same seed, quickly', () => {
    const t0 = Date.now()
    const a = new FakeGitHubState(NOW)
    const seeded = seedFakeOrg(a, { org: 'acme', repos: 4, prsPerRepo: 200, deploymentsPerRepo: 50, runsPerRepo: 100, issuesPerRepo: 40, alertsPerRepo: 8, seed: 7 })
    expect(Date.now() - t0).toBeLessThan(5000)
    const b = new FakeGitHubState(NOW)
    seedFakeOrg(b, { org: 'acme', repos: 4, prsPerRepo: 200, deploymentsPerRepo: 50, runsPerRepo: 100, issuesPerRepo: 40, alertsPerRepo: 8, seed: 7 })
    const digest = (s: FakeGitHubState) => s.org('acme')!.repos.map((r) => [r.name, r.branches[r.default_branch], r.pulls.length, r.deployments.map((d) => d.sha).join(), r.issues.map((i) => i.labels.join('+')).join()])
    expect(digest(b)).toEqual(digest(a))

    const repos = a.org('acme')!.repos
    expect(repos.map((r) => r.name)).toEqual(['payments-api', 'payments-web', 'checkout', 'search'])
    expect(repos.map((r) => r.archived)).toEqual([false, false, false, true])
    expect(repos.map((r) => r.vulnerability_alerts)).toEqual([true, true, false, true])
    for (const { repo, mergedPulls } of seeded.repos) {
      expect(mergedPulls).toHaveLength(200)
      const main = new Set(a.history(repo, repo.default_branch)!.map((c) => c.sha))
      // Every merged PR's merge commit is on the default branch; every deployment deploys a default-branch commit.
      expect(mergedPulls.every((p) => main.has(p.merge_commit_sha!))).toBe(true)
      expect(repo.deployments.every((d) => main.has(d.sha))).toBe(true)
      expect(new Set(mergedPulls.map((p) => p.merge_method))).toEqual(new Set(['merge', 'squash', 'rebase']))
      expect(repo.pulls.some((p) => p.state === 'open')).toBe(true)
      expect(repo.pulls.some((p) => p.state === 'closed' && !p.merged_at)).toBe(true)
      expect(repo.pulls.some((p) => p.user.endsWith('[bot]'))).toBe(true)
      expect(new Set(repo.deployments.map((d) => d.environment))).toEqual(new Set(['production', 'staging']))
      expect(new Set(repo.workflows.map((wf) => wf.path))).toEqual(new Set(['.github/workflows/ci.yml', '.github/workflows/deploy.yml']))
      // PR and issue numbers share one sequence without gaps.
      const numbers = [...repo.pulls.map((p) => p.number), ...repo.issues.map((i) => i.number)].sort((x, y) => x - y)
      expect(numbers).toEqual(numbers.map((_, i) => i + 1))
    }
  })
})
