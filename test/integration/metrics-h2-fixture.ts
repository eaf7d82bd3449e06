/**
 * Small factories for the incident, quality, security, delivery and platform KPI tests: rows with
 * only the columns that matter, a catalog-resolved scope and a MetricContext over periods.
 */
import { sql, type Insertable, type Kysely } from 'kysely'
import type { AppConfig } from '../../server/config/app-config.ts'
import { Catalog } from '../../server/catalog/catalog.ts'
import type { Database, IncidentTable, IssueTable, MilestoneTable, RepositoryObservationTable, VulnerabilityAlertTable } from '../../server/db/schema.ts'
import type { KpiDefinition } from '../../server/kpis/definition.ts'
import { parseLocalDate, periodsBetween, type PeriodKind } from '../../server/metrics/periods.ts'
import { resolveScope } from '../../server/metrics/scope.ts'
import type { Formula, MetricContext, MetricRecord, PeriodValue } from '../../server/metrics/types.ts'
import { deliveryFormulas } from '../../server/metrics/delivery.metrics.ts'
import { incidentsFormulas } from '../../server/metrics/incidents.metrics.ts'
import { platformFormulas } from '../../server/metrics/platform.metrics.ts'
import { qualityFormulas } from '../../server/metrics/quality.metrics.ts'
import { securityFormulas } from '../../server/metrics/security.metrics.ts'
import { testConfig } from '../support/config.ts'

type Db = Kysely<Database>

export const HOUR = 3_600_000
export const at = (iso: string) => new Date(iso)
export const addHours = (iso: string, hours: number) => new Date(new Date(iso).getTime() + hours * HOUR)

/** Teams of the test organisation: payments owns acme/payments-api (service payments-api); search lists the search service. */
export const TEAMS = [
  { id: 'payments', name: 'Payments', repos: ['acme/payments-api'], services: [] as string[] },
  { id: 'search', name: 'Search', repos: [] as string[], services: ['search'] },
]

export const config = (extra: Parameters<typeof testConfig>[0] = {}): AppConfig => testConfig({ teams: TEAMS, ...extra })

/** Empties every table the tests write. */
export async function reset(db: Db): Promise<void> {
  await sql`truncate incident, issue, milestone, vulnerability_alert, repository_observation, repository restart identity cascade`.execute(db)
}

/** Inserts repositories by full name; returns full name → id. */
export async function repos(db: Db, rows: { fullName: string; createdAt?: string | null }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const r of rows) {
    const [owner, name] = r.fullName.split('/') as [string, string]
    const { id } = await db
      .insertInto('repository')
      .values({ source: 'github', external_id: `R_${r.fullName}`, owner, name, full_name: r.fullName, url: `https://github.com/${r.fullName}`, created_at: r.createdAt === undefined ? '2025-01-01T00:00:00Z' : r.createdAt })
      .returning('id')
      .executeTakeFirstOrThrow()
    out.set(r.fullName, id)
  }
  return out
}

let seq = 0
const next = () => ++seq

export async function incidents(db: Db, rows: (Partial<Insertable<IncidentTable>> & { started_at: string | Date })[]): Promise<number[]> {
  const ids: number[] = []
  for (const r of rows) {
    const n = next()
    const { id } = await db
      .insertInto('incident')
      .values({ source: 'api', external_id: `INC-${n}`, reference: `INC-${n}`, title: `Incident ${n}`, url: `https://incidents.example/INC-${n}`, ...r })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.push(id)
  }
  return ids
}

export async function issues(db: Db, rows: (Partial<Insertable<IssueTable>> & { repo_id: number; created_at: string | Date; labels: string[] })[]): Promise<number[]> {
  const ids: number[] = []
  for (const r of rows) {
    const n = next()
    const closed = r.closed_at !== undefined && r.closed_at !== null
    const { id } = await db
      .insertInto('issue')
      .values({ source: 'github', external_id: `I_${n}`, number: n, title: `Issue ${n}`, state: closed ? 'closed' : 'open', updated_at: r.created_at, url: `https://github.com/acme/x/issues/${n}`, ...r })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.push(id)
  }
  return ids
}

export async function milestone(db: Db, row: Partial<Insertable<MilestoneTable>> & { repo_id: number; due_on: string | null }): Promise<number> {
  const n = next()
  const { id } = await db
    .insertInto('milestone')
    .values({ source: 'github', external_id: `M_${n}`, number: n, title: `Milestone ${n}`, state: 'open', created_at: '2025-12-01T00:00:00Z', ...row })
    .returning('id')
    .executeTakeFirstOrThrow()
  return id
}

export async function alerts(db: Db, rows: (Partial<Insertable<VulnerabilityAlertTable>> & { repo_id: number; severity: VulnerabilityAlertTable['severity']; created_at: string })[]): Promise<number[]> {
  const ids: number[] = []
  for (const r of rows) {
    const n = next()
    const state = r.fixed_at ? 'fixed' : r.dismissed_at ? 'dismissed' : 'open'
    const { id } = await db
      .insertInto('vulnerability_alert')
      .values({ source: 'github', external_id: `A_${n}`, number: n, state, package: `pkg-${n}`, url: `https://github.com/acme/x/security/dependabot/${n}`, ...r })
      .returning('id')
      .executeTakeFirstOrThrow()
    ids.push(id)
  }
  return ids
}

export async function observations(db: Db, rows: Insertable<RepositoryObservationTable>[]): Promise<void> {
  await db.insertInto('repository_observation').values(rows).execute()
}

/**
 * Observations for coverage and adoption (with acme/payments-api and acme/search in `repo`):
 * payments-api has Dependabot alerts all along and adopts in February; search has neither until
 * code scanning on 28 February (unknown before: not enabled) and unknown adoption until then ('no');
 * legacy is scanned and adopted, archived on 10 February; new is created on 10 March and observed
 * the day after; ghost is never observed.
 */
export async function observationWorld(db: Db, repo: ReadonlyMap<string, number>): Promise<void> {
  const more = await repos(db, [{ fullName: 'acme/legacy' }, { fullName: 'acme/new', createdAt: '2026-03-10T00:00:00Z' }, { fullName: 'acme/ghost' }])
  const [pay, search, legacy, fresh] = [repo.get('acme/payments-api')!, repo.get('acme/search')!, more.get('acme/legacy')!, more.get('acme/new')!]
  await observations(db, [
    { repo_id: pay, observed_on: '2026-01-01', dependabot_alerts: 'enabled', code_scanning: 'disabled', adoption: 'no' },
    { repo_id: pay, observed_on: '2026-02-01', dependabot_alerts: 'enabled', code_scanning: 'disabled', adoption: 'yes' },
    { repo_id: search, observed_on: '2026-01-15', dependabot_alerts: 'disabled', code_scanning: 'unknown', adoption: 'unknown' },
    { repo_id: search, observed_on: '2026-02-28', dependabot_alerts: 'disabled', code_scanning: 'enabled', adoption: 'no' },
    { repo_id: legacy, observed_on: '2026-01-01', dependabot_alerts: 'enabled', code_scanning: 'enabled', adoption: 'yes' },
    { repo_id: legacy, observed_on: '2026-02-10', archived: true, dependabot_alerts: 'enabled', code_scanning: 'enabled', adoption: 'yes' },
    { repo_id: fresh, observed_on: '2026-03-11', dependabot_alerts: 'enabled', code_scanning: 'disabled', adoption: 'yes' },
  ])
}

const DEFINITION = { id: 'test.kpi', name: 'Test', category: 'quality', description: 'test', computation: null, unit: 'ratio', direction: 'lower_is_better', frequency: ['monthly'], source: 'computed', formula: 'x', components: null, target: null, warn: null, minSample: 0, levels: null, overrides: {}, blueprint: null, board: false, file: 'test.yaml' } as unknown as KpiDefinition

/**
 * A context for the periods of `kind` covering local dates [from, to) in `timezone`, in `scope`
 * resolved against the stored repositories and the test teams.
 */
export async function context(
  db: Db,
  opts: { kind: PeriodKind; from: string; to: string; timezone?: string; scope?: string; now: string; config?: AppConfig },
): Promise<MetricContext> {
  const timezone = opts.timezone ?? 'UTC'
  const cfg = opts.config ?? config({ timezone })
  const repositories = await db.selectFrom('repository').select(['id', 'full_name', 'name', 'default_branch']).execute()
  const catalog = new Catalog({
    repositories,
    teamRepos: cfg.teams.flatMap((t) => t.repos.map((pattern) => ({ team_id: t.id, pattern }))),
    teamServices: cfg.teams.flatMap((t) => t.services.map((service) => ({ team_id: t.id, service }))),
    serviceMap: cfg.sources.github?.services ?? {},
  })
  const scope = resolveScope(opts.scope ?? 'org', catalog, new Set(cfg.teams.map((t) => t.id)))
  const periods = periodsBetween(opts.kind, parseLocalDate(opts.from, timezone)!, parseLocalDate(opts.to, timezone)!, timezone)
  return { db, config: cfg, timezone, period: opts.kind, periods, scope, now: new Date(opts.now), slos: [], definition: DEFINITION }
}

// The families under test only: the registry also loads families other work is changing.
const FORMULAS = new Map([...incidentsFormulas, ...qualityFormulas, ...securityFormulas, ...deliveryFormulas, ...platformFormulas].map((f) => [f.id, f]))

export function formula(id: string): Formula {
  const f = FORMULAS.get(id)
  if (!f) throw new Error(`formula ${id} is not registered`)
  return f
}

/** Values by period label, for compact expectations. */
export async function compute(id: string, ctx: MetricContext): Promise<Record<string, PeriodValue>> {
  const values = await formula(id).compute(ctx)
  return Object.fromEntries(ctx.periods.map((p, i) => [p.label, values[i]!]))
}

/** The records behind the period labelled `label`. */
export async function records(id: string, ctx: MetricContext, label: string, page: { limit?: number; offset?: number } = {}): Promise<{ total: number; records: MetricRecord[] }> {
  const p = ctx.periods.find((x) => x.label === label)
  if (!p) throw new Error(`no period ${label}`)
  return formula(id).records!(ctx, { start: p.start, end: p.end, limit: page.limit ?? 50, offset: page.offset ?? 0 })
}
