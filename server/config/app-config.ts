import type { ConfigFile } from './config.schema.ts'

export type Env = Record<string, string | undefined>

/** Settings from the environment (DESIGN §6, "Server environment"). */
export interface ServerSettings {
  host: string
  port: number
  /** null → embedded PGlite under dataDir. */
  databaseUrl: string | null
  dataDir: string
  logLevel: string
  prettyLogs: boolean
  /** Where the built dashboard is. */
  webDir: string
  /** Load the small demo on an empty database with no sources configured. */
  demoOnEmpty: boolean
  /** The KPI definitions directory (MERIDIAN_KPI_DIR); absent → kpi-definitions/ of the checkout. */
  definitionsDir?: string | null
}

type Sources = NonNullable<ConfigFile['sources']>
type GitHubFile = NonNullable<Sources['github']>

export interface LabelConfig {
  incident: string[]
  bug: string[]
  escaped: string[]
  customer: string[]
  critical: string[]
  hotfix: string[]
  security: string[]
  techDebt: string[]
  severity: { sev1: string[]; sev2: string[]; sev3: string[]; sev4: string[]; sev5: string[] }
}

export interface GitHubConfig extends Omit<GitHubFile, 'labels' | 'deployments' | 'production' | 'baseUrl' | 'services'> {
  baseUrl: string
  production: string
  deployments: { from: ('deployments' | 'workflow_runs' | 'releases')[]; workflows: string[]; branch: string }
  services: Record<string, string>
  labels: LabelConfig
}

export interface TeamConfig {
  id: string
  name: string
  repos: string[]
  services: string[]
}

/** The validated, defaulted, frozen configuration every part of Meridian reads. */
export interface AppConfig {
  /** The file it came from, or null when none exists (no sources configured). */
  file: string | null
  organisation: string
  timezone: string
  teams: TeamConfig[]
  sources: {
    github?: GitHubConfig
    pagerduty?: Sources['pagerduty'] & { baseUrl: string }
    incidentio?: Sources['incidentio'] & { baseUrl: string }
    opsgenie?: Sources['opsgenie'] & { baseUrl: string }
    prometheus?: Sources['prometheus']
  }
  attribution: { incidentWindowHours: number; maxLookbackDays: number }
  schedule: { collect: string | null }
  auth: ConfigFile['auth'] | null
  server: ServerSettings
}

export const DEFAULT_LABELS: LabelConfig = {
  incident: ['incident'],
  bug: ['bug'],
  escaped: ['production'],
  customer: ['customer-reported'],
  critical: ['critical'],
  hotfix: ['hotfix'],
  security: ['security'],
  techDebt: ['tech-debt'],
  severity: { sev1: ['sev1', 'P1'], sev2: ['sev2', 'P2'], sev3: ['sev3'], sev4: ['sev4'], sev5: ['sev5'] },
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** Fills in every default of DESIGN §6 and freezes the result. */
export function applyDefaults(file: ConfigFile, server: ServerSettings, loadedFrom: string | null): AppConfig {
  const s = file.sources ?? {}
  const gh = s.github
  const config: AppConfig = {
    file: loadedFrom,
    organisation: file.organisation ?? 'My organisation',
    timezone: file.timezone ?? 'UTC',
    teams: (file.teams ?? []).map((t) => ({ id: t.id, name: t.name, repos: t.repos ?? [], services: t.services ?? [] })),
    sources: {
      ...(gh && {
        github: {
          ...gh,
          baseUrl: gh.baseUrl ?? 'https://api.github.com',
          production: gh.production ?? '^prod(uction)?$',
          deployments: {
            from: gh.deployments?.from ?? ['deployments', 'workflow_runs'],
            workflows: gh.deployments?.workflows ?? ['deploy.yml'],
            branch: gh.deployments?.branch ?? 'main',
          },
          services: gh.services ?? {},
          labels: {
            ...DEFAULT_LABELS,
            ...gh.labels,
            severity: { ...DEFAULT_LABELS.severity, ...gh.labels?.severity },
          },
        },
      }),
      ...(s.pagerduty && { pagerduty: { ...s.pagerduty, baseUrl: s.pagerduty.baseUrl ?? 'https://api.pagerduty.com' } }),
      ...(s.incidentio && { incidentio: { ...s.incidentio, baseUrl: s.incidentio.baseUrl ?? 'https://api.incident.io' } }),
      ...(s.opsgenie && { opsgenie: { ...s.opsgenie, baseUrl: s.opsgenie.baseUrl ?? 'https://api.opsgenie.com' } }),
      ...(s.prometheus && { prometheus: s.prometheus }),
    },
    attribution: {
      incidentWindowHours: file.attribution?.incidentWindowHours ?? 24,
      maxLookbackDays: file.attribution?.maxLookbackDays ?? 14,
    },
    schedule: { collect: file.schedule?.collect ?? null },
    auth: file.auth ?? null,
    server,
  }
  return deepFreeze(config)
}

/** Names of the sources that can be collected: configured and holding credentials. */
export function collectableSources(config: AppConfig): string[] {
  const s = config.sources
  const out: string[] = []
  if (s.github && (s.github.token || s.github.app)) out.push('github')
  if (s.pagerduty?.token) out.push('pagerduty')
  if (s.incidentio?.token) out.push('incidentio')
  if (s.opsgenie?.token) out.push('opsgenie')
  if (s.prometheus?.url) out.push('prometheus')
  return out
}
