import type { Insertable } from 'kysely'
import type { MeasurementTable } from '../../server/db/schema.ts'
import type { TeamDefinition } from '../shared/store/teams.ts'
import type { RepoContext } from './model.ts'
import type { DemoRepository } from './rows.ts'
import type { DemoScale } from './scales.ts'
import { planMilestones, planBugs, planTechDebt } from './issues.ts'
import { planBackgroundIncidents, markRepeats, planFollowUps } from './incidents.ts'
import { planMeasurements } from './measurements.ts'
import { planOrg, type OrgPlan, type RepoPlan } from './org-plan.ts'
import { Rng } from './prng.ts'
import { planPullRequests } from './pull-requests.ts'
import { simulateDelivery } from './delivery.ts'
import { planAlerts, planObservations } from './security.ts'
import { planSliSamples } from './sli.ts'
import { assignNumbers, renderRepository } from './render.ts'

export interface DemoOptions {
  seed: number
  scale: DemoScale
  /** The generated history ends here; callers pass the start of the current UTC day. */
  now: Date
}

/** A generated demo organisation: org-wide rows up front, repositories one at a time. */
export interface Demo {
  plan: OrgPlan
  teams: TeamDefinition[]
  measurements: Insertable<MeasurementTable>[]
  /** How many repositories `repositories()` yields. */
  repositoryCount: number
  /** Each repository's rows, generated on demand so a large organisation is never held at once. */
  repositories(): Generator<DemoRepository>
}

/**
 * Generates the "Acme Demo" organisation: a pure function of seed, scale and `now` (a seeded
 * PRNG per repository, no clock, no Math.random), so the same inputs always give the same rows.
 */
export function generateDemo(options: DemoOptions): Demo {
  const plan = planOrg(options.seed, options.scale, options.now)
  return {
    plan,
    teams: plan.teams.map((t) => ({ id: t.id, name: t.name, repos: t.repos.map((r) => r.fullName), services: t.repos.map((r) => r.name) })),
    measurements: planMeasurements(plan),
    repositoryCount: plan.repos.length,
    *repositories() {
      for (const repo of plan.repos) yield generateRepository(plan, repo)
    },
  }
}

/** Generates one repository's history; depends only on the plan and the repository. */
export function generateRepository(org: OrgPlan, repo: RepoPlan): DemoRepository {
  let seq = 0
  const people = [...repo.team.people].sort((a, b) => a.joinedAt - b.joinedAt)
  const ctx: RepoContext = {
    org,
    repo,
    rng: new Rng(`${org.seed}:repo:${repo.fullName}`),
    years: org.spec.months / 12,
    prs: [],
    issues: [],
    commits: [],
    deployments: [],
    incidents: [],
    milestones: [],
    nextSeq: () => seq++,
    activePeople: (t) => {
      const active = people.filter((p) => p.joinedAt <= t)
      return active.length > 0 ? active : people.slice(0, 1)
    },
  }
  planPullRequests(ctx)
  simulateDelivery(ctx)
  planBackgroundIncidents(ctx)
  markRepeats(ctx)
  planFollowUps(ctx)
  planBugs(ctx)
  planTechDebt(ctx)
  planMilestones(ctx)
  assignNumbers(ctx)
  const alerts = planAlerts(ctx)
  const { rows: observations, adopted } = planObservations(ctx)
  const sliSamples = planSliSamples(ctx)
  return renderRepository(ctx, { alerts, observations, adopted, sliSamples })
}
