import type { Commit, DeployItem, IncidentItem, PrItem, RepoContext } from './model.ts'
import { newIncident, resolveIncidentAt } from './incidents.ts'
import { remediationPullRequest } from './pull-requests.ts'
import { DAY, HOUR, MINUTE, dayStart, isWeekend, wholeSecond } from './time.ts'

const DEPLOY_BOT = 'github-actions[bot]'
/** Share of release attempts whose deployment itself fails (status failure). */
const FAILED_ATTEMPT = 0.08
/** Share of successful releases that turn out bad: an incident, a rollback, a revert or a hotfix. */
const BAD_RELEASE = 0.085
const MAX_LOOKBACK = 14 * DAY

type Remediation = 'rollback' | 'revert' | 'hotfix' | 'none'
const REMEDIATIONS: readonly (readonly [Remediation, number])[] = [
  ['rollback', 30],
  ['revert', 25],
  ['hotfix', 25],
  ['none', 20],
]

const HOTFIX_TITLES = [
  'handle empty upstream response',
  'restore previous request timeout',
  'guard against missing currency',
  'skip malformed events instead of crashing',
  'fix off-by-one in pagination cursor',
  'raise connection pool limit',
  'disable broken feature flag',
] as const

interface Planned {
  at: number
  seq: number
  kind: DeployItem['kind']
  /** For a rollback: the main-history index to go back to. */
  target?: number
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/** Inserts into a sorted array after every element not greater than `item`. */
function insertSorted<T>(items: T[], item: T, from: number, before: (a: T, b: T) => boolean): void {
  let lo = from
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (before(item, items[mid]!)) hi = mid
    else lo = mid + 1
  }
  items.splice(lo, 0, item)
}

/**
 * Simulates the repository's default branch and deployments over the window, in time order:
 * merged PRs append merge commits to a linear main history; planned production releases (a few
 * per week, mostly on weekdays, each preceded by a staging deploy) deploy the head of main;
 * some attempts fail and are retried; some successful releases go bad and get an incident and/or
 * a rollback, a revert or a hotfix, whose own deployments follow. Each merged PR is shipped by
 * the first successful production deployment containing it.
 */
export function simulateDelivery(ctx: RepoContext): void {
  const { rng, org, repo, commits } = ctx
  const merges = ctx.prs.filter((p) => p.mergedAt !== null).sort((a, b) => a.mergedAt! - b.mergedAt! || a.seq - b.seq)
  let nextMerge = 0
  commits.push({ index: 0, sha: rng.hex(40), parent: null, at: repo.createdAt, pr: null })
  const queue = planReleases(ctx)
  let seq = queue.length
  let deploySeq = 0
  let lastFinish = -Infinity
  let lastOk: DeployItem | null = null
  let shippedUpTo = 0
  let anyOk = false

  const byTime = (a: Planned, b: Planned) => a.at < b.at || (a.at === b.at && a.seq < b.seq)
  const enqueue = (at: number, kind: DeployItem['kind'], target?: number) => insertSorted(queue, { at, seq: seq++, kind, target }, 0, byTime)
  const addMerge = (pr: PrItem) => {
    if (pr.mergedAt !== null) insertSorted(merges, pr, nextMerge, (a, b) => a.mergedAt! < b.mergedAt!)
  }
  const mergeUpTo = (t: number) => {
    while (nextMerge < merges.length && merges[nextMerge]!.mergedAt! <= t) {
      const pr = merges[nextMerge++]!
      const commit: Commit = { index: commits.length, sha: rng.hex(40), parent: commits[commits.length - 1]!.sha, at: pr.mergedAt!, pr }
      pr.mergeSha = commit.sha
      pr.mainIndex = commit.index
      commits.push(commit)
    }
  }
  const headAt = (t: number) => {
    let lo = 0
    let hi = commits.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (commits[mid]!.at <= t) lo = mid
      else hi = mid - 1
    }
    return lo
  }
  const deploy = (environment: DeployItem['environment'], kind: DeployItem['kind'], at: number, mainIndex: number, failureRate: number): DeployItem => {
    const createdAt = wholeSecond(at)
    const startedAt = createdAt + rng.int(15, 150) * 1000
    const finishedAt = wholeSecond(startedAt + clamp(rng.lognormal(7 * MINUTE, 0.45), 2 * MINUTE, 40 * MINUTE))
    const failed = rng.chance(failureRate)
    const d: DeployItem = {
      externalId: `demo:deployment:${repo.fullName}:${++deploySeq}`,
      environment,
      kind,
      sha: commits[mainIndex]!.sha,
      mainIndex,
      createdAt,
      startedAt,
      finishedAt: finishedAt < org.now ? finishedAt : null,
      status: finishedAt < org.now ? (failed ? 'failure' : 'success') : null,
      creator: kind === 'rollback' ? rng.pick(ctx.activePeople(at)).login : DEPLOY_BOT,
    }
    ctx.deployments.push(d)
    return d
  }
  const ship = (d: DeployItem): PrItem[] => {
    const shipped: PrItem[] = []
    // The first deployment ever seen only ships recent changes (DESIGN §4, maxLookbackDays).
    const cutoff = anyOk ? -Infinity : d.finishedAt! - MAX_LOOKBACK
    for (let i = shippedUpTo + 1; i <= d.mainIndex; i++) {
      const pr = commits[i]!.pr
      if (pr && pr.mergedAt! >= cutoff) {
        pr.shippedBy = d
        shipped.push(pr)
      }
    }
    shippedUpTo = Math.max(shippedUpTo, d.mainIndex)
    anyOk = true
    return shipped
  }
  const goBad = (d: DeployItem, previous: DeployItem | null, shipped: PrItem[]) => {
    const changes = shipped.filter((p) => p.kind === 'change')
    const culprit = rng.pick(changes.length > 0 ? changes : shipped)
    let remedy = rng.weighted(REMEDIATIONS)
    if (remedy === 'rollback' && !previous) remedy = 'revert'
    let incident: IncidentItem | null = null
    let decidedAt = d.finishedAt! + clamp(rng.lognormal(90 * MINUTE, 0.6), 10 * MINUTE, 12 * HOUR)
    if (remedy === 'none' || rng.chance(0.5)) {
      const startedAt = d.finishedAt! + clamp(rng.lognormal(40 * MINUTE, 1), 3 * MINUTE, 20 * HOUR)
      const explicit = rng.chance(0.25)
      incident = newIncident(ctx, {
        startedAt,
        source: rng.chance(0.3) ? 'github' : 'pagerduty',
        causedBy: d,
        causedBySha: explicit ? culprit.mergeSha! : null,
      })
      decidedAt = startedAt + rng.float(10 * MINUTE, 40 * MINUTE)
    }
    let remediatedAt: number | null = null
    if (remedy === 'rollback') {
      enqueue(decidedAt, 'rollback', previous!.mainIndex)
      remediatedAt = decidedAt + 10 * MINUTE
    } else if (remedy === 'revert' || remedy === 'hotfix') {
      const author = culprit.isBot ? rng.pick(ctx.activePeople(decidedAt)).login : rng.chance(0.6) ? culprit.author : rng.pick(ctx.activePeople(decidedAt)).login
      const pr =
        remedy === 'revert'
          ? remediationPullRequest(ctx, decidedAt, { kind: 'revert', title: '', labels: [], author, revertOf: culprit })
          : remediationPullRequest(ctx, decidedAt + clamp(rng.lognormal(HOUR, 0.5), 15 * MINUTE, 6 * HOUR), {
              kind: 'hotfix',
              title: `Hotfix: ${rng.pick(HOTFIX_TITLES)}`,
              labels: ['hotfix'],
              author,
              fixes: incident?.issue && rng.chance(0.5) ? incident : culprit,
            })
      ctx.prs.push(pr)
      addMerge(pr)
      if (pr.mergedAt !== null) {
        const at = pr.mergedAt + rng.float(5 * MINUTE, 30 * MINUTE)
        enqueue(at, 'remediation')
        remediatedAt = at + 10 * MINUTE
      }
    }
    if (incident && remediatedAt !== null) resolveIncidentAt(ctx, incident, remediatedAt + rng.float(5 * MINUTE, 30 * MINUTE))
  }

  while (queue.length > 0) {
    const event = queue.shift()!
    // One deployment of a service at a time, so start order is finish order.
    const at = Math.max(event.at, lastFinish + 2 * MINUTE)
    if (at >= org.now) continue
    mergeUpTo(at)
    const head = commits.length - 1
    let mainIndex = head
    if (event.kind === 'rollback') {
      mainIndex = event.target!
      if (!lastOk || lastOk.mainIndex <= mainIndex) continue
    } else if (head === 0 || (event.kind === 'release' && lastOk?.mainIndex === head)) {
      continue
    }
    if (event.kind === 'release') {
      const stagingAt = at - rng.float(15 * MINUTE, 45 * MINUTE)
      deploy('staging', 'release', stagingAt, headAt(stagingAt), 0.03)
    }
    const failureRate = event.kind === 'release' ? FAILED_ATTEMPT : event.kind === 'retry' ? 0.03 : 0
    const d = deploy('production', event.kind, at, mainIndex, failureRate)
    lastFinish = d.finishedAt ?? at + 10 * MINUTE
    if (d.status === 'failure') enqueue(d.finishedAt! + rng.float(15 * MINUTE, 60 * MINUTE), 'retry')
    if (d.status !== 'success') continue
    const previous = lastOk
    const shipped = event.kind === 'rollback' ? [] : ship(d)
    lastOk = d
    if (shipped.length > 0 && (event.kind === 'release' || event.kind === 'retry') && rng.chance(BAD_RELEASE)) goBad(d, previous, shipped)
  }
  mergeUpTo(org.now)
}

/** Planned production release times: a few per week, in working hours, rarely at weekends. */
function planReleases(ctx: RepoContext): Planned[] {
  const { rng, org, repo } = ctx
  const perWeekday = (org.spec.releasesPerRepoWeek * repo.weight) / 5
  const out: Planned[] = []
  for (let day = dayStart(org.start); day < org.now; day += DAY) {
    const n = rng.poisson(perWeekday * (isWeekend(day) ? 0.06 : 1))
    const times: number[] = []
    for (let i = 0; i < n; i++) times.push(day + 9 * HOUR + rng.float() * 8 * HOUR)
    times.sort((a, b) => a - b)
    for (const at of times) if (at >= org.start && at < org.now) out.push({ at, seq: out.length, kind: 'release' })
  }
  return out
}
