import { describe, expect, it } from 'vitest'
import { DEFAULT_LABELS } from '../../server/config/app-config.ts'
import {
  causedByPr,
  deploymentOutcome,
  firstReview,
  incidentFromIssue,
  isBot,
  isDeployRun,
  labelValue,
  loginOf,
  mapAlert,
  mapDeployment,
  mapPullRequest,
  needsMoreReviews,
  parseRevert,
  productionMatcher,
  repoPatternMatches,
  revertedTitle,
  rootCauseSha,
  runDeployment,
  serviceOf,
  severityOf,
  splitWindow,
  teamOf,
  windowQualifier,
  type GqlPullRequest,
  type IssueItem,
} from '../../collectors/github/mappers.ts'

const user = (login: string) => ({ __typename: 'User', login })
const bot = (login: string) => ({ __typename: 'Bot', login })

describe('actors', () => {
  it.each([
    [{ __typename: 'Bot', login: 'dependabot' }, true, 'dependabot[bot]'],
    [{ __typename: 'User', login: 'renovate[bot]' }, true, 'renovate[bot]'],
    [{ type: 'Bot', login: 'github-actions[bot]' }, true, 'github-actions[bot]'],
    [{ __typename: 'User', login: 'alice' }, false, 'alice'],
  ])('%o is a bot: %s, login %s', (actor, bot, login) => {
    expect(isBot(actor)).toBe(bot)
    expect(loginOf(actor)).toBe(login)
  })
})

describe('firstReview', () => {
  it.each([
    ['skips the author, bots and pending reviews', 'alice', [
      { state: 'COMMENTED', submittedAt: '2026-01-01T10:00:00Z', author: user('alice') },
      { state: 'COMMENTED', submittedAt: '2026-01-01T10:05:00Z', author: bot('copilot-pull-request-reviewer') },
      { state: 'PENDING', submittedAt: null, author: user('bob') },
      { state: 'APPROVED', submittedAt: '2026-01-01T11:00:00Z', author: user('carol') },
    ], { at: '2026-01-01T11:00:00Z', reviewer: 'carol' }],
    ['takes the earliest submitted, whatever the order', 'alice', [
      { state: 'APPROVED', submittedAt: '2026-01-01T12:00:00Z', author: user('bob') },
      { state: 'CHANGES_REQUESTED', submittedAt: '2026-01-01T09:00:00Z', author: user('carol') },
    ], { at: '2026-01-01T09:00:00Z', reviewer: 'carol' }],
    ['compares logins ignoring case', 'Alice', [{ state: 'COMMENTED', submittedAt: '2026-01-01T10:00:00Z', author: user('alice') }], null],
    ['counts a review by a deleted account', 'alice', [{ state: 'APPROVED', submittedAt: '2026-01-01T10:00:00Z', author: null }], { at: '2026-01-01T10:00:00Z', reviewer: null }],
    ['none at all', 'alice', [], null],
  ])('%s', (_name, author, reviews, expected) => {
    expect(firstReview(author, reviews)).toEqual(expected)
  })
})

describe('reverts', () => {
  it.each([
    ['Revert "Add search"', 'Reverts acme/api#12', { repo: 'acme/api', number: 12 }],
    ['Undo search', 'This reverts acme/web#3 because it broke checkout', { repo: 'acme/web', number: 3 }],
    ['Undo search', 'Reverts acme/web#3', { repo: 'acme/web', number: 3 }],
    ['Revert "Add search"', 'Reverts #7', { repo: 'acme/api', number: 7 }],
    ['Revert "Add search"', '', { repo: 'acme/api', number: null }],
    ['Revert search', null, null],
    ['Add search', 'Fixes #4', null],
  ])('title %j, body %j → %o', (title, body, expected) => {
    expect(parseRevert(title, body, 'acme/api')).toEqual(expected)
  })

  it('reads the reverted title', () => {
    expect(revertedTitle('Revert "Revert "Add search""')).toBe('Revert "Add search"')
    expect(revertedTitle('Add search')).toBeNull()
  })
})

function pr(overrides: Partial<GqlPullRequest> = {}): GqlPullRequest {
  return {
    id: 'PR_1',
    number: 1,
    title: 'Add search',
    body: 'Adds search.',
    url: 'https://github.com/acme/api/pull/1',
    state: 'MERGED',
    createdAt: '2026-10-01T10:00:00Z',
    updatedAt: '2026-10-01T12:00:00Z',
    mergedAt: '2026-10-01T12:00:00Z',
    closedAt: '2026-10-01T12:00:00Z',
    baseRefName: 'main',
    additions: 10,
    deletions: 2,
    author: user('alice'),
    mergeCommit: { oid: 'abc123' },
    labels: { nodes: [{ name: 'bug' }] },
    commits: { nodes: [{ commit: { authoredDate: '2026-10-01T08:00:00Z' } }] },
    reviews: { nodes: [{ state: 'APPROVED', submittedAt: '2026-10-01T11:00:00Z', author: user('bob') }], pageInfo: { hasNextPage: false, endCursor: null } },
    ...overrides,
  }
}

describe('mapPullRequest', () => {
  it('maps a merged PR', () => {
    expect(mapPullRequest(pr(), 'acme/api')).toEqual({
      source: 'github',
      external_id: 'PR_1',
      number: 1,
      title: 'Add search',
      body: 'Adds search.',
      author: 'alice',
      author_is_bot: false,
      state: 'merged',
      base_branch: 'main',
      labels: ['bug'],
      created_at: '2026-10-01T10:00:00Z',
      first_commit_at: '2026-10-01T08:00:00Z',
      first_review_at: '2026-10-01T11:00:00Z',
      first_reviewer: 'bob',
      merged_at: '2026-10-01T12:00:00Z',
      closed_at: '2026-10-01T12:00:00Z',
      merge_commit_sha: 'abc123',
      revert_of_repo: null,
      revert_of_number: null,
      additions: 10,
      deletions: 2,
      url: 'https://github.com/acme/api/pull/1',
      updated_at: '2026-10-01T12:00:00Z',
    })
  })

  it.each([
    ['closed unmerged', { state: 'CLOSED' as const, mergedAt: null, mergeCommit: { oid: 'test-merge' } }, 'closed', null],
    ['open', { state: 'OPEN' as const, mergedAt: null, closedAt: null }, 'open', null],
    ['merged (merged_at set whatever the state says)', { state: 'CLOSED' as const }, 'merged', 'abc123'],
  ])('%s → state %s, merge SHA %s', (_n, o, state, sha) => {
    const row = mapPullRequest(pr(o), 'acme/api')
    expect(row.state).toBe(state)
    expect(row.merge_commit_sha).toBe(sha)
  })

  it('takes created_at as the first commit when GitHub has none, and GraphQL bot logins as REST spells them', () => {
    const row = mapPullRequest(pr({ commits: { nodes: [] }, author: bot('dependabot') }), 'acme/api')
    expect(row.first_commit_at).toBe('2026-10-01T10:00:00Z')
    expect(row.author).toBe('dependabot[bot]')
    expect(row.author_is_bot).toBe(true)
  })

  it('asks for more reviews only when the first page has no qualifying one and there are more', () => {
    const onlySelf = { nodes: [{ state: 'COMMENTED', submittedAt: '2026-10-01T10:30:00Z', author: user('alice') }], pageInfo: { hasNextPage: true, endCursor: 'c1' } }
    expect(needsMoreReviews(pr({ reviews: onlySelf }))).toBe(true)
    expect(needsMoreReviews(pr({ reviews: { ...onlySelf, pageInfo: { hasNextPage: false, endCursor: null } } }))).toBe(false)
    expect(needsMoreReviews(pr())).toBe(false)
    const extra = [{ state: 'APPROVED', submittedAt: '2026-10-01T13:00:00Z', author: user('dave') }]
    expect(mapPullRequest(pr({ reviews: onlySelf }), 'acme/api', extra)).toMatchObject({ first_review_at: '2026-10-01T13:00:00Z', first_reviewer: 'dave' })
  })
})

describe('deploymentOutcome', () => {
  const s = (state: string, minute: number) => ({ state, createdAt: `2026-10-01T10:${String(minute).padStart(2, '0')}:00Z` })
  it.each([
    ['success', [s('queued', 0), s('in_progress', 1), s('success', 5), s('inactive', 30)], 'success', 5, 1],
    ['failure', [s('in_progress', 1), s('failure', 3)], 'failure', 3, 1],
    ['error counts as failure', [s('error', 2)], 'failure', 2, null],
    ['the first terminal status wins over a later one', [s('in_progress', 1), s('error', 3), s('success', 9)], 'failure', 3, 1],
    ['statuses in any order', [s('success', 9), s('failure', 4), s('queued', 0)], 'failure', 4, null],
    ['inactive never sets a finish', [s('queued', 0), s('inactive', 8)], null, null, null],
    ['no terminal status yet', [s('queued', 0), s('in_progress', 2)], null, null, 2],
    ['GraphQL states in capitals', [s('IN_PROGRESS', 1), s('SUCCESS', 6)], 'success', 6, 1],
  ])('%s', (_n, statuses, status, finishedMinute, startedMinute) => {
    const at = (m: number | null) => (m === null ? null : `2026-10-01T10:${String(m).padStart(2, '0')}:00Z`)
    expect(deploymentOutcome(statuses)).toEqual({ status, finishedAt: at(finishedMinute as number | null), startedAt: at(startedMinute as number | null) })
  })

  it('decides over statuses stored before and those seen now (GitHub deletes old ones)', () => {
    const ctx = { fullName: 'acme/api', service: 'api', isProduction: productionMatcher('^prod(uction)?$') }
    const d = { id: 'DE_1', commitOid: 'abc', environment: 'production', createdAt: '2026-01-01T10:00:00Z', ref: { name: 'main' }, creator: bot('github-actions'), statuses: { nodes: [{ id: 'S3', state: 'INACTIVE', createdAt: '2026-03-01T10:00:00Z', description: null, logUrl: null }] } }
    expect(mapDeployment(d, ctx)).toMatchObject({ status: null, finished_at: null, started_at: '2026-01-01T10:00:00Z', creator: 'github-actions[bot]' })
    expect(mapDeployment(d, ctx, [{ state: 'success', createdAt: '2026-01-01T10:05:00Z' }])).toMatchObject({ status: 'success', finished_at: '2026-01-01T10:05:00Z' })
  })
})

describe('production and services', () => {
  it.each([
    ['production', true],
    ['Production', true],
    ['PROD', true],
    ['production-eu', false],
    ['staging', false],
    [null, false],
  ])('default pattern: %s → %s', (env, expected) => {
    expect(productionMatcher('^prod(uction)?$')(env)).toBe(expected)
  })

  it('maps services by repository, ignoring case, else the repository name', () => {
    expect(serviceOf('acme/Monorepo', { 'acme/monorepo': 'checkout' })).toBe('checkout')
    expect(serviceOf('acme/api', { 'acme/monorepo': 'checkout' })).toBe('api')
  })
})

describe('deploy runs', () => {
  const ctx = { fullName: 'acme/api', service: 'api', isProduction: () => true }
  const run = (status: string, conclusion: string | null) => ({
    external_id: 'WFR_1',
    status,
    conclusion,
    head_sha: 'abc',
    head_branch: 'main',
    created_at: '2026-10-01T10:00:00Z',
    run_started_at: '2026-10-01T10:01:00Z',
    updated_at: '2026-10-01T10:09:00Z',
    url: null,
  })
  it.each([
    ['completed', 'success', 'success'],
    ['completed', 'failure', 'failure'],
    ['completed', 'cancelled', null],
    ['completed', 'timed_out', null],
    ['in_progress', null, null],
  ])('%s / %s → %s', (status, conclusion, expected) => {
    const d = runDeployment(run(status, conclusion), ctx)
    expect(d?.status ?? null).toBe(expected)
    if (d) expect(d).toMatchObject({ source: 'workflow_run', environment: 'production', is_production: true, started_at: '2026-10-01T10:01:00Z', finished_at: '2026-10-01T10:09:00Z', sha: 'abc' })
  })

  it.each([
    [{ workflow_path: '.github/workflows/deploy.yml', head_branch: 'main' }, ['deploy.yml'], true],
    [{ workflow_path: '.github/workflows/deploy.yml', head_branch: 'release' }, ['deploy.yml'], false],
    [{ workflow_path: '.github/workflows/ci.yml', head_branch: 'main' }, ['deploy.yml'], false],
    [{ workflow_path: '.github/workflows/deploy.yml', head_branch: 'main' }, ['.github/workflows/deploy.yml'], true],
  ])('%o with workflows %o is a deploy run: %s', (r, workflows, expected) => {
    expect(isDeployRun(r, workflows, 'main')).toBe(expected)
  })
})

describe('incidents from issues', () => {
  const issue = (labels: string[], body = '', state: 'open' | 'closed' = 'closed'): IssueItem => ({
    nodeId: 'I_1',
    number: 42,
    title: 'Checkout down',
    body,
    state,
    author: 'alice',
    labels,
    milestone: null,
    createdAt: '2026-10-01T10:00:00Z',
    updatedAt: '2026-10-01T12:00:00Z',
    closedAt: state === 'closed' ? '2026-10-01T12:00:00Z' : null,
    url: null,
  })
  const ctx = { fullName: 'acme/api', labels: DEFAULT_LABELS, teams: [{ id: 'payments', name: 'Payments', repos: ['acme/*'], services: [] }] }

  it('maps every field', () => {
    expect(incidentFromIssue(issue(['Incident', 'P1', 'service:checkout', 'security', 'root-cause:db-pool', 'customer-reported'], 'Root cause: ABCDEF1\n\ncaused by #7'), ctx)).toEqual({
      source: 'github',
      external_id: 'I_1',
      reference: 'acme/api#42',
      service: 'checkout',
      team_id: 'payments',
      severity: 'sev1',
      title: 'Checkout down',
      status: 'closed',
      started_at: '2026-10-01T10:00:00Z',
      acknowledged_at: null,
      resolved_at: '2026-10-01T12:00:00Z',
      is_security: true,
      root_cause_key: 'db-pool',
      customer_impact: true,
      labels: ['Incident', 'P1', 'service:checkout', 'security', 'root-cause:db-pool', 'customer-reported'],
      caused_by_sha: 'abcdef1',
      caused_by_pr: 7,
      caused_by_deployment: null,
      url: null,
      updated_at: '2026-10-01T12:00:00Z',
    })
  })

  it('leaves what the labels do not say empty, and ignores issues without an incident label', () => {
    expect(incidentFromIssue(issue(['incident'], 'Investigating.', 'open'), { ...ctx, teams: [] })).toMatchObject({
      service: null,
      team_id: null,
      severity: null,
      resolved_at: null,
      is_security: false,
      root_cause_key: null,
      customer_impact: null,
      caused_by_sha: null,
      caused_by_pr: null,
    })
    expect(incidentFromIssue(issue(['bug']), ctx)).toBeNull()
  })

  it.each([
    [['sev3', 'sev2'], 'sev2'],
    [['P2'], 'sev2'],
    [['SEV4'], 'sev4'],
    [['p9'], null],
  ])('severity of %o is %s', (labels, expected) => {
    expect(severityOf(labels, DEFAULT_LABELS.severity)).toBe(expected)
  })

  it('reads label values and body references', () => {
    expect(labelValue(['Service:Payments-API'], 'service:')).toBe('Payments-API')
    expect(labelValue(['service:'], 'service:')).toBeNull()
    expect(rootCauseSha('root cause: 0123456789abcdef0123456789abcdef01234567')).toBe('0123456789abcdef0123456789abcdef01234567')
    expect(rootCauseSha('root cause: the database')).toBeNull()
    expect(causedByPr('Caused by #12.')).toBe(12)
    expect(causedByPr('caused by a deploy')).toBeNull()
  })

  it.each([
    ['acme/*', 'acme/api', true],
    ['acme/*', 'ACME/web', true],
    ['acme/*', 'acmecorp/api', false],
    ['acme/api', 'acme/API', true],
    ['acme/api', 'acme/api-web', false],
  ])('pattern %s covers %s: %s', (pattern, name, expected) => {
    expect(repoPatternMatches(pattern, name)).toBe(expected)
  })

  it('finds the first team owning a repository', () => {
    const teams = [
      { id: 'web', name: 'Web', repos: ['acme/web'], services: [] },
      { id: 'platform', name: 'Platform', repos: ['acme/*'], services: [] },
    ]
    expect(teamOf('acme/web', teams)).toBe('web')
    expect(teamOf('acme/api', teams)).toBe('platform')
    expect(teamOf('other/api', teams)).toBeNull()
  })
})

describe('Dependabot alerts', () => {
  it.each([
    [{ number: 3, state: 'open', created_at: '2026-09-01T00:00:00Z', security_vulnerability: { severity: 'moderate', package: { name: 'lodash' } } }, 'open', 'medium', null, null],
    [{ number: 4, state: 'fixed', created_at: '2026-09-01T00:00:00Z', fixed_at: '2026-09-05T00:00:00Z', security_advisory: { severity: 'critical' } }, 'fixed', 'critical', '2026-09-05T00:00:00Z', null],
    [{ number: 5, state: 'auto_dismissed', created_at: '2026-09-01T00:00:00Z', auto_dismissed_at: '2026-09-02T00:00:00Z', security_vulnerability: { severity: 'high' } }, 'auto_dismissed', 'high', null, '2026-09-02T00:00:00Z'],
  ])('alert %#', (alert, state, severity, fixed, dismissed) => {
    expect(mapAlert(alert, 'acme/api')).toMatchObject({ external_id: `acme/api#${alert.number}`, state, severity, fixed_at: fixed, dismissed_at: dismissed })
  })
})

describe('created windows', () => {
  const w = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-10T23:59:59Z') }

  it('writes GitHub’s range qualifier', () => {
    expect(windowQualifier(w)).toBe('2026-01-01T00:00:00Z..2026-01-10T23:59:59Z')
  })

  it.each([
    [1_000, 2],
    [2_500, 4],
    [10_000, 13],
  ])('a window holding %i runs is split into %i contiguous parts', (total, parts) => {
    const split = splitWindow(w, total)
    expect(split).toHaveLength(parts)
    expect(split[0]!.from).toEqual(w.from)
    expect(split.at(-1)!.to).toEqual(w.to)
    for (let i = 1; i < split.length; i++) expect(split[i]!.from.getTime()).toBe(split[i - 1]!.to.getTime() + 1000)
  })

  it('never splits below a second', () => {
    const tiny = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:01Z') }
    expect(splitWindow(tiny, 5_000)).toHaveLength(2)
  })
})
