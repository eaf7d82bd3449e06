import type { IssueItem, MilestoneItem, RepoContext } from './model.ts'
import { DAY, HOUR, addMonths, dayStart, wholeSecond, workingMoment } from './time.ts'
import { BUG_TITLES, FEATURE_TITLES, TECH_DEBT_TITLES } from './vocabulary.ts'

const SUPPORT = 'acme-support'
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

function issue(ctx: RepoContext, fields: Omit<IssueItem, 'seq' | 'number' | 'milestone' | 'incident'> & { milestone?: MilestoneItem }): IssueItem {
  const item: IssueItem = { seq: ctx.nextSeq(), number: 0, milestone: null, incident: null, ...fields }
  if (item.closedAt !== null && item.closedAt >= ctx.org.now) item.closedAt = null
  ctx.issues.push(item)
  return item
}

/**
 * Bug reports: all labelled `bug`; some escaped to production (`production`), some reported by
 * customers (`customer-reported`) and critical (`critical`). Critical ones are fixed fastest.
 */
export function planBugs(ctx: RepoContext): void {
  const { rng, org } = ctx
  const count = rng.poisson(org.spec.bugsPerRepoYear * ctx.years * Math.sqrt(ctx.repo.weight))
  for (let i = 0; i < count; i++) {
    const createdAt = workingMoment(rng, org.start, org.now, 0.1)
    const customer = rng.chance(0.12)
    const critical = rng.chance(customer ? 0.4 : 0.05)
    const escaped = customer || rng.chance(0.22)
    const labels = ['bug', ...(escaped ? ['production'] : []), ...(customer ? ['customer-reported'] : []), ...(critical ? ['critical'] : [])]
    const days = clamp(rng.lognormal(critical ? 1.5 : 6, 1), 0.05, 120)
    issue(ctx, {
      kind: 'bug',
      title: rng.pick(BUG_TITLES),
      body: customer ? 'Reported by a customer through support.' : 'Found while testing.',
      author: customer ? SUPPORT : rng.pick(ctx.activePeople(createdAt)).login,
      labels,
      createdAt,
      closedAt: rng.chance(0.92) ? wholeSecond(createdAt + days * DAY) : null,
    })
  }
}

/** Tech-debt issues (`tech-debt`): a slow burndown, many left open. */
export function planTechDebt(ctx: RepoContext): void {
  const { rng, org } = ctx
  const count = rng.poisson(org.spec.techDebtPerRepoYear * ctx.years * Math.sqrt(ctx.repo.weight))
  for (let i = 0; i < count; i++) {
    const createdAt = workingMoment(rng, org.start, org.now)
    issue(ctx, {
      kind: 'tech-debt',
      title: rng.pick(TECH_DEBT_TITLES),
      body: 'Slows every change in this area down; see the architecture review.',
      author: rng.pick(ctx.activePeople(createdAt)).login,
      labels: ['tech-debt'],
      createdAt,
      closedAt: rng.chance(0.55) ? wholeSecond(createdAt + clamp(rng.lognormal(45, 0.9), 1, 400) * DAY) : null,
    })
  }
}

/**
 * Milestones due every few months (the last one still ahead), each with feature issues of
 * which most are closed by the due date, some late and a few never; most past milestones are closed.
 */
export function planMilestones(ctx: RepoContext): void {
  const { rng, org } = ctx
  const every = org.spec.milestoneEveryMonths
  const firstDue = dayStart(addMonths(org.start, rng.int(1, every))) + 17 * HOUR
  for (let n = 1, due = firstDue; due < addMonths(org.now, every); n++, due = addMonths(firstDue, n * every - every)) {
    const createdAt = wholeSecond(addMonths(due, -every) - rng.int(3, 10) * DAY)
    const theme = rng.pick(FEATURE_TITLES)
    const milestone: MilestoneItem = { number: n, title: `${new Date(due).toISOString().slice(0, 7)} · ${theme}`, createdAt, dueOn: due, closedAt: null }
    ctx.milestones.push(milestone)
    const issues: IssueItem[] = []
    const size = rng.int(org.spec.issuesPerMilestone[0], org.spec.issuesPerMilestone[1])
    for (let i = 0; i < size; i++) {
      const opened = workingMoment(rng, Math.max(createdAt, org.start - 30 * DAY), due - 5 * DAY)
      const outcome = rng.weighted([['on-time', 74], ['late', 16], ['never', 10]] as const)
      const closedAt =
        outcome === 'on-time'
          ? wholeSecond(opened + rng.float() * (due - opened))
          : outcome === 'late'
            ? wholeSecond(due + clamp(rng.lognormal(6, 0.8), 0.2, 60) * DAY)
            : null
      issues.push(
        issue(ctx, {
          kind: 'feature',
          title: `${theme}: ${rng.pick(['API', 'UI', 'migration', 'docs', 'tests', 'rollout', 'metrics'])}`,
          body: `Part of the ${theme} milestone.`,
          author: rng.pick(ctx.activePeople(opened)).login,
          labels: ['enhancement'],
          createdAt: opened,
          closedAt,
          milestone,
        }),
      )
    }
    // Teams close a milestone soon after its due date, moving on with whatever is left open.
    const closedAt = wholeSecond(due + rng.float(0, 10) * DAY)
    if (closedAt < org.now && rng.chance(0.85)) milestone.closedAt = closedAt
  }
}
