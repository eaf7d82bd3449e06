import { Rng } from './prng.ts'
import { SCALES, type DemoScale, type ScaleSpec } from './scales.ts'
import { addMonths, DAY, MINUTE } from './time.ts'
import { DOMAINS, FIRST_NAMES, LAST_NAMES, REPO_SUFFIXES } from './vocabulary.ts'

/** The GitHub owner of every demo repository. */
export const DEMO_OWNER = 'acme-demo'
export const DEMO_ORGANISATION = 'Acme Demo'

export interface Person {
  login: string
  /** When they could first open a pull request (ms); new joiners arrive inside the window. */
  joinedAt: number
}

export interface TeamPlan {
  id: string
  name: string
  people: Person[]
  repos: RepoPlan[]
}

export interface RepoPlan {
  index: number
  name: string
  fullName: string
  team: TeamPlan
  /** Activity relative to the average repository (mean 1). */
  weight: number
  createdAt: number
}

export interface SloPlan {
  id: string
  service: string
  kind: 'availability' | 'latency'
  requestsPerHour: number
  /** Share of good events in an ordinary hour. */
  baseline: number
}

export interface OrgPlan {
  seed: number
  scale: DemoScale
  spec: ScaleSpec
  now: number
  /** Start of the generated history (ms): `now` minus the scale's months. */
  start: number
  teams: TeamPlan[]
  repos: RepoPlan[]
  slos: SloPlan[]
}

/** The three SLOs whose SLI samples the demo generates. */
export const DEMO_SLOS: readonly SloPlan[] = [
  { id: 'payments-api-availability', service: 'payments-api', kind: 'availability', requestsPerHour: 42_000, baseline: 0.9996 },
  { id: 'checkout-web-latency', service: 'checkout-web', kind: 'latency', requestsPerHour: 90_000, baseline: 0.9935 },
  { id: 'identity-api-availability', service: 'identity-api', kind: 'availability', requestsPerHour: 120_000, baseline: 0.9997 },
]

const SMALL_LAYOUT: readonly { id: string; name: string; repos: readonly string[] }[] = [
  { id: 'payments', name: 'Payments', repos: ['payments-api', 'payments-web', 'ledger-service'] },
  { id: 'checkout', name: 'Checkout', repos: ['checkout-web', 'checkout-api', 'cart-service'] },
  { id: 'platform', name: 'Platform', repos: ['platform-infra', 'deploy-pipeline', 'observability', 'api-gateway'] },
  { id: 'identity', name: 'Identity', repos: ['identity-api', 'auth-web'] },
]

const titleCase = (id: string) => id.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ')

function layout(spec: ScaleSpec, scale: DemoScale) {
  if (scale === 'small') return SMALL_LAYOUT
  const perTeam = Math.floor(spec.repositories / spec.teams)
  const extra = spec.repositories - perTeam * spec.teams
  return DOMAINS.slice(0, spec.teams).map((domain, i) => ({
    id: domain,
    name: titleCase(domain),
    repos: REPO_SUFFIXES.slice(0, perTeam + (i < extra ? 1 : 0)).map((suffix) => `${domain}-${suffix}`),
  }))
}

/** Teams, people, repositories and SLOs of the demo organisation for a seed, scale and `now`. */
export function planOrg(seed: number, scale: DemoScale, now: Date): OrgPlan {
  const spec = SCALES[scale]
  const rng = new Rng(`${seed}:org`)
  const nowMs = now.getTime()
  const start = addMonths(nowMs, -spec.months)
  const logins = new Set<string>()
  const teams: TeamPlan[] = []
  const repos: RepoPlan[] = []
  for (const t of layout(spec, scale)) {
    const team: TeamPlan = { id: t.id, name: t.name, people: [], repos: [] }
    const size = rng.int(spec.engineersPerTeam[0], spec.engineersPerTeam[1])
    for (let i = 0; i < size; i++) {
      let login = `${rng.pick(FIRST_NAMES)}-${rng.pick(LAST_NAMES)}`
      for (let n = 2; logins.has(login); n++) login = `${login.replace(/\d+$/, '')}${n}`
      logins.add(login)
      const joinedAt = rng.chance(0.15)
        ? start + DAY * 30 + Math.floor(rng.float() * (nowMs - start - DAY * 60) / MINUTE) * MINUTE
        : start - DAY * rng.int(60, 2_000)
      team.people.push({ login, joinedAt })
    }
    // Someone must be able to author and review from day one.
    for (const p of team.people.slice(0, 2)) p.joinedAt = Math.min(p.joinedAt, start - DAY * 90)
    for (const name of t.repos) {
      const repo: RepoPlan = {
        index: repos.length,
        name,
        fullName: `${DEMO_OWNER}/${name}`,
        team,
        weight: rng.lognormal(1, 0.35),
        createdAt: start - DAY * rng.int(120, 1_500),
      }
      team.repos.push(repo)
      repos.push(repo)
    }
    teams.push(team)
  }
  const meanWeight = repos.reduce((s, r) => s + r.weight, 0) / repos.length
  for (const r of repos) r.weight /= meanWeight
  const names = new Set(repos.map((r) => r.name))
  return { seed, scale, spec, now: nowMs, start, teams, repos, slos: DEMO_SLOS.filter((s) => names.has(s.service)) }
}
