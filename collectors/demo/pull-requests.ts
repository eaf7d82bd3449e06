import type { PrItem, RepoContext } from './model.ts'
import { DAY, HOUR, MINUTE, wholeSecond, workingMoment } from './time.ts'
import { PACKAGES, PR_SUBJECTS, PR_VERBS } from './vocabulary.ts'

export const DEPENDABOT = 'dependabot[bot]'

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

function version(ctx: RepoContext): [string, string] {
  const major = ctx.rng.int(0, 12)
  const minor = ctx.rng.int(0, 30)
  const patch = ctx.rng.int(0, 20)
  return ctx.rng.chance(0.7) ? [`${major}.${minor}.${patch}`, `${major}.${minor}.${patch + 1}`] : [`${major}.${minor}.${patch}`, `${major}.${minor + 1}.0`]
}

const CHANGE_LABELS: readonly (readonly [string[], number])[] = [
  [[], 45],
  [['enhancement'], 30],
  [['bug'], 12],
  [['refactor'], 8],
  [['documentation'], 5],
]

/** A human-sounding change title for this repository. */
export function changeTitle(ctx: RepoContext): string {
  return `${ctx.rng.pick(PR_VERBS)} ${ctx.rng.pick(PR_SUBJECTS).replace('{svc}', ctx.repo.name)}`
}

/** Another active team member than `author`, or null when there is nobody else. */
export function reviewerFor(ctx: RepoContext, author: string, at: number): string | null {
  const others = ctx.activePeople(at).filter((p) => p.login !== author)
  return others.length === 0 ? null : ctx.rng.pick(others).login
}

/**
 * Plans the repository's ordinary pull requests over the window: human changes and Dependabot
 * bumps, most merged after lognormal coding, pickup and review delays; some closed unmerged;
 * those not finished by `now` stay open.
 */
export function planPullRequests(ctx: RepoContext): void {
  const { rng, org, repo } = ctx
  const expected = (org.spec.mergedPrsPerRepoYear * ctx.years * repo.weight) / 0.91
  const created = Array.from({ length: rng.poisson(expected) }, () => workingMoment(rng, org.start, org.now)).sort((a, b) => a - b)
  for (const createdAt of created) ctx.prs.push(planPullRequest(ctx, createdAt))
}

function planPullRequest(ctx: RepoContext, createdAt: number): PrItem {
  const { rng, org } = ctx
  const dependency = rng.chance(0.08)
  const author = dependency ? DEPENDABOT : rng.pick(ctx.activePeople(createdAt)).login
  const reviewer = reviewerFor(ctx, author, createdAt)
  const firstCommitAt = dependency ? createdAt - rng.int(1, 5) * MINUTE : createdAt - clamp(rng.lognormal(6 * HOUR, 1.3), 5 * MINUTE, 20 * DAY)
  const pickup = clamp(rng.lognormal(dependency ? 5 * HOUR : 2.5 * HOUR, 1.2), 2 * MINUTE, 10 * DAY)
  const review = clamp(rng.lognormal(dependency ? 0.5 * HOUR : 3 * HOUR, 1.3), MINUTE, 14 * DAY)
  let firstReviewAt: number | null = reviewer && !rng.chance(0.03) ? createdAt + pickup : null
  let mergedAt: number | null = createdAt + pickup + review
  let closedAt: number | null = mergedAt
  if (rng.chance(dependency ? 0.2 : 0.06)) {
    mergedAt = null
    closedAt = createdAt + clamp(rng.lognormal(36 * HOUR, 1.1), 10 * MINUTE, 60 * DAY)
    if (firstReviewAt !== null && firstReviewAt > closedAt) firstReviewAt = null
  }
  // Some recent work is parked or still in progress: it stays open whatever the delays say.
  if ((mergedAt !== null && mergedAt >= org.now) || (createdAt > org.now - 45 * DAY && rng.chance(0.12))) mergedAt = closedAt = null
  if (closedAt !== null && closedAt >= org.now) closedAt = null
  if (firstReviewAt !== null && firstReviewAt >= org.now) firstReviewAt = null
  let title: string
  let labels: string[]
  if (dependency) {
    const [from, to] = version(ctx)
    title = `Bump ${rng.pick(PACKAGES)} from ${from} to ${to}`
    labels = ['dependencies']
  } else {
    title = changeTitle(ctx)
    labels = [...rng.weighted(CHANGE_LABELS)]
  }
  return {
    seq: ctx.nextSeq(),
    number: 0,
    kind: dependency ? 'dependency' : 'change',
    title,
    author,
    isBot: dependency,
    labels,
    createdAt,
    firstCommitAt: wholeSecond(firstCommitAt),
    firstReviewAt: firstReviewAt === null ? null : wholeSecond(firstReviewAt),
    reviewer: firstReviewAt === null ? null : reviewer,
    mergedAt: mergedAt === null ? null : wholeSecond(mergedAt),
    closedAt: closedAt === null ? null : wholeSecond(closedAt),
    additions: Math.max(1, Math.round(rng.lognormal(dependency ? 12 : 60, 1.2))),
    deletions: Math.round(rng.lognormal(dependency ? 12 : 20, 1.3)),
  }
}

/**
 * A remediation pull request opened at `at` and pushed through quickly (a revert or a hotfix);
 * it stays open if it would merge after `now`.
 */
export function remediationPullRequest(
  ctx: RepoContext,
  at: number,
  fields: Pick<PrItem, 'kind' | 'title' | 'labels' | 'author' | 'revertOf' | 'fixes'>,
): PrItem {
  const { rng, org } = ctx
  const createdAt = wholeSecond(at)
  const reviewer = reviewerFor(ctx, fields.author, createdAt)
  let firstReviewAt: number | null = wholeSecond(createdAt + clamp(rng.lognormal(12 * MINUTE, 0.5), 2 * MINUTE, 2 * HOUR))
  let mergedAt: number | null = wholeSecond(firstReviewAt + clamp(rng.lognormal(8 * MINUTE, 0.5), MINUTE, HOUR))
  if (mergedAt >= org.now) mergedAt = null
  if (firstReviewAt >= org.now || !reviewer) firstReviewAt = null
  return {
    seq: ctx.nextSeq(),
    number: 0,
    ...fields,
    isBot: false,
    createdAt,
    firstCommitAt: createdAt - rng.int(2, 40) * MINUTE,
    firstReviewAt,
    reviewer: firstReviewAt === null ? null : reviewer,
    mergedAt,
    closedAt: mergedAt,
    additions: rng.int(1, 40),
    deletions: rng.int(1, 40),
  }
}
