/** A repository as attribution needs it. */
export interface RepoInfo {
  id: number
  fullName: string
  name: string
  defaultBranch: string
  /** The service its changes belong to (DESIGN §4, "Services and teams"). */
  service: string
}

/** The rows a catalog is built from. */
export interface CatalogInput {
  repositories: readonly { id: number; full_name: string; name: string; default_branch: string }[]
  teamRepos: readonly { team_id: string; pattern: string }[]
  teamServices: readonly { team_id: string; service: string }[]
  /** `sources.github.services`: owner/repo → service. */
  serviceMap: Readonly<Record<string, string>>
}

/** Whether a team's repository pattern (`owner/name` or `owner/*`) covers `fullName`, ignoring case. */
export function repoPatternMatches(pattern: string, fullName: string): boolean {
  const p = pattern.toLowerCase()
  const name = fullName.toLowerCase()
  return p.endsWith('/*') ? name.startsWith(p.slice(0, -1)) && !name.slice(p.length - 1).includes('/') : p === name
}

/** The service a repository's changes belong to: the mapped one, else the repository's name without its owner. */
export function serviceOfRepo(fullName: string, serviceMap: Readonly<Record<string, string>>): string {
  const key = fullName.toLowerCase()
  for (const [repo, service] of Object.entries(serviceMap)) if (repo.toLowerCase() === key) return service
  return fullName.slice(fullName.indexOf('/') + 1)
}

/**
 * Repositories, services and team ownership, resolved once: which repositories' changes belong
 * to a service, which repositories and services a team owns (its listed repositories and their
 * services, plus its listed services), and which teams own a repository.
 */
export class Catalog {
  readonly repos = new Map<number, RepoInfo>()
  private readonly byName = new Map<string, RepoInfo>()
  private readonly serviceRepos = new Map<string, RepoInfo[]>()
  private readonly teamRepoIds = new Map<string, Set<number>>()
  private readonly teamServiceNames = new Map<string, Set<string>>()
  private readonly repoTeams = new Map<number, string[]>()

  constructor(input: CatalogInput) {
    for (const r of input.repositories) {
      const info: RepoInfo = { id: r.id, fullName: r.full_name, name: r.name, defaultBranch: r.default_branch, service: serviceOfRepo(r.full_name, input.serviceMap) }
      this.repos.set(r.id, info)
      this.byName.set(r.full_name.toLowerCase(), info)
      const list = this.serviceRepos.get(info.service) ?? []
      list.push(info)
      this.serviceRepos.set(info.service, list)
    }
    for (const { team_id, pattern } of input.teamRepos) {
      const ids = this.teamRepoIds.get(team_id) ?? new Set<number>()
      const services = this.teamServiceNames.get(team_id) ?? new Set<string>()
      for (const repo of this.repos.values()) {
        if (!repoPatternMatches(pattern, repo.fullName)) continue
        ids.add(repo.id)
        services.add(repo.service)
        const teams = this.repoTeams.get(repo.id) ?? []
        if (!teams.includes(team_id)) teams.push(team_id)
        this.repoTeams.set(repo.id, teams)
      }
      this.teamRepoIds.set(team_id, ids)
      this.teamServiceNames.set(team_id, services)
    }
    for (const { team_id, service } of input.teamServices) {
      const services = this.teamServiceNames.get(team_id) ?? new Set<string>()
      services.add(service)
      this.teamServiceNames.set(team_id, services)
    }
  }

  /** The repository called `owner/name` (any case), if known. */
  repoByFullName(fullName: string): RepoInfo | undefined {
    return this.byName.get(fullName.toLowerCase())
  }

  /** Repositories whose changes belong to `service`. */
  reposOfService(service: string): readonly RepoInfo[] {
    return this.serviceRepos.get(service) ?? []
  }

  /** Every service some repository's changes belong to. */
  repoServices(): string[] {
    return [...this.serviceRepos.keys()]
  }

  /** Repositories the team owns. */
  reposOfTeam(teamId: string): ReadonlySet<number> {
    return this.teamRepoIds.get(teamId) ?? new Set()
  }

  /** Services the team owns: its listed services and those of its repositories. */
  servicesOfTeam(teamId: string): ReadonlySet<string> {
    return this.teamServiceNames.get(teamId) ?? new Set()
  }

  /** Teams owning the repository. */
  teamsOfRepo(repoId: number): readonly string[] {
    return this.repoTeams.get(repoId) ?? []
  }

  /**
   * The repository whose commit graph a deployment's SHA is looked up in: its own, else the only
   * repository of its service; null when that is not one repository.
   */
  graphRepoOf(deployment: { repoId: number | null; service: string }): number | null {
    if (deployment.repoId !== null) return deployment.repoId
    const repos = this.reposOfService(deployment.service)
    return repos.length === 1 ? repos[0]!.id : null
  }
}
