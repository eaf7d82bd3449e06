export type DemoScale = 'small' | 'large'

/** The size of a demo organisation; rates are per repository of average activity. */
export interface ScaleSpec {
  /** Months of history before `now`. */
  months: number
  /** Teams and repositories (the small scale has a fixed layout of these sizes). */
  teams: number
  repositories: number
  engineersPerTeam: readonly [number, number]
  mergedPrsPerRepoYear: number
  /** Planned production releases per repository-week (a planned release with nothing new is skipped). */
  releasesPerRepoWeek: number
  /** Incidents per repository-year, caused by deployments or not. */
  incidentsPerRepoYear: number
  bugsPerRepoYear: number
  techDebtPerRepoYear: number
  alertsPerRepoYear: number
  /** A milestone is due every this many months per repository. */
  milestoneEveryMonths: number
  issuesPerMilestone: readonly [number, number]
}

/** small: loads in seconds on first start. large: a stress test for PostgreSQL. */
export const SCALES: Record<DemoScale, ScaleSpec> = {
  small: {
    months: 12,
    teams: 4,
    repositories: 12,
    engineersPerTeam: [6, 9],
    mergedPrsPerRepoYear: 250,
    releasesPerRepoWeek: 4.0,
    incidentsPerRepoYear: 12.5,
    bugsPerRepoYear: 30,
    techDebtPerRepoYear: 12,
    alertsPerRepoYear: 10,
    milestoneEveryMonths: 2,
    issuesPerMilestone: [6, 14],
  },
  large: {
    months: 24,
    teams: 40,
    repositories: 500,
    engineersPerTeam: [20, 30],
    mergedPrsPerRepoYear: 930,
    releasesPerRepoWeek: 8.4,
    incidentsPerRepoYear: 20,
    bugsPerRepoYear: 12,
    techDebtPerRepoYear: 5,
    alertsPerRepoYear: 4,
    milestoneEveryMonths: 3,
    issuesPerMilestone: [5, 10],
  },
}

/** True for a scale name the demo knows. */
export function isDemoScale(value: unknown): value is DemoScale {
  return value === 'small' || value === 'large'
}
