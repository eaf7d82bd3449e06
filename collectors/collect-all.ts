import type { Kysely } from 'kysely'
import type { AppConfig } from '../server/config/app-config.ts'
import { collectableSources } from '../server/config/app-config.ts'
import type { Database } from '../server/db/schema.ts'
import type { ProgressListener } from './shared/progress.ts'
import type { IncidentCollectReport } from './shared/incident-common.ts'

/** What one source's collect reports, whatever the vendor. */
export interface SourceSummary {
  source: string
  requests: number
  /** e.g. "core 4,321/5,000, graphql 4,990/5,000"; null when the vendor reports none. */
  budget: string | null
  lines: string[]
  errors: { scope: string; message: string }[]
}

export interface CollectAllOptions {
  sources?: string[]
  since?: Date
  full?: boolean
  onProgress?: ProgressListener
}

type Runner = (db: Kysely<Database>, config: AppConfig, options: CollectAllOptions) => Promise<SourceSummary>

const n = (x: number) => x.toLocaleString('en-US')

/** The summary of an incident tool's collect (PagerDuty, incident.io, Opsgenie). */
function incidentSummary(source: string, r: IncidentCollectReport): SourceSummary {
  const lines = [`${n(r.rows)} incidents stored${r.removed ? `, ${n(r.removed)} removed` : ''}`]
  for (const s of r.skipped) lines.push(`skipped ${s.scope}: ${s.reason}`)
  if (r.attribution) lines.push(r.attribution.error ? `attribution failed: ${r.attribution.error}` : `attribution rerun for ${n(r.attribution.incidents)} incidents`)
  return { source, requests: r.requests, budget: null, lines, errors: r.errors }
}

/** Each source's collector, loaded only when that source runs. */
const RUNNERS: Record<string, Runner> = {
  github: async (db, config, options) => {
    const { collectGitHub } = await import('./github/collect.ts')
    const r = await collectGitHub(db, config, { since: options.since, full: options.full, onProgress: options.onProgress })
    const budget = Object.entries(r.rateLimits)
      .map(([resource, b]) => `${resource} ${n(b.remaining)}/${n(b.limit)}`)
      .join(', ')
    const lines = [`${r.repos.length} repositories, ${n(r.notModified)} not modified (304)`]
    for (const s of r.skipped) lines.push(`skipped ${s.scope}: ${s.reason}`)
    if (r.attribution) lines.push(r.attribution.error ? `attribution failed: ${r.attribution.error}` : `attribution rerun for ${r.attribution.repos} repositories`)
    return { source: 'github', requests: r.requests, budget: budget || (r.rateLimitRemaining === null ? null : n(r.rateLimitRemaining)), lines, errors: r.errors }
  },
  pagerduty: async (db, config, options) => incidentSummary('pagerduty', await (await import('./pagerduty/collect.ts')).collectPagerDuty(db, config, options)),
  incidentio: async (db, config, options) => incidentSummary('incidentio', await (await import('./incidentio/collect.ts')).collectIncidentIo(db, config, options)),
  opsgenie: async (db, config, options) => incidentSummary('opsgenie', await (await import('./opsgenie/collect.ts')).collectOpsgenie(db, config, options)),
  prometheus: async (db, config, options) => {
    const { collectPrometheus } = await import('./prometheus/collect.ts')
    const r = await collectPrometheus(db, config, { full: options.full, since: options.since })
    const lines = r.slos.map((s) => `${s.id}: ${n(s.samples)} hourly samples${s.error ? ` — error: ${s.error}` : ''}`)
    for (const s of r.skipped) lines.push(`skipped ${s.id}: ${s.reason}`)
    for (const p of r.problems) lines.push(`problem in ${p.file}: ${p.field}: ${p.message}`)
    const errors = r.slos.filter((s) => s.error).map((s) => ({ scope: `slo:${s.id}`, message: s.error! }))
    return { source: 'prometheus', requests: r.requests, budget: null, lines, errors }
  },
}

/**
 * After the sources: the incident-derived SLI (a minute is bad while a sev1–sev2 incident of the
 * service is open) for services with no Prometheus SLI, over the hours since its last run.
 */
async function deriveSlis(db: Kysely<Database>): Promise<SourceSummary> {
  const { syncIncidentSlis } = await import('./incident-sli/derive.ts')
  const r = await syncIncidentSlis(db)
  return { source: 'incident SLIs', requests: 0, budget: null, lines: [`${r.services.length} services, ${n(r.samples)} hourly samples`], errors: [] }
}

/** The sources `collect` can run, in the order it runs them. */
export const COLLECTABLE = Object.keys(RUNNERS)

/**
 * Collects every configured source with credentials (or only `options.sources`), one after
 * another; a failing source is reported and the others still run.
 */
export async function collectAll(db: Kysely<Database>, config: AppConfig, options: CollectAllOptions = {}): Promise<SourceSummary[]> {
  const configured = collectableSources(config).filter((s) => s in RUNNERS)
  const wanted = options.sources ?? configured
  const out: SourceSummary[] = []
  for (const source of wanted) {
    const runner = RUNNERS[source]
    if (!runner) {
      out.push({ source, requests: 0, budget: null, lines: [], errors: [{ scope: source, message: `unknown source; choose one of ${COLLECTABLE.join(', ')}` }] })
      continue
    }
    if (!configured.includes(source)) {
      out.push({ source, requests: 0, budget: null, lines: [], errors: [{ scope: source, message: `not configured (sources.${source} with credentials in meridian.config.yaml)` }] })
      continue
    }
    try {
      out.push(await runner(db, config, options))
    } catch (err) {
      out.push({ source, requests: 0, budget: null, lines: [], errors: [{ scope: source, message: (err as Error).message }] })
    }
  }
  if (out.some((s) => s.requests > 0)) {
    try {
      out.push(await deriveSlis(db))
    } catch (err) {
      out.push({ source: 'incident SLIs', requests: 0, budget: null, lines: [], errors: [{ scope: 'incident SLIs', message: (err as Error).message }] })
    }
  }
  return out
}

/** The summary lines `meridian collect` prints. */
export function formatSummary(s: SourceSummary): string {
  const head = `${s.source}: ${n(s.requests)} requests${s.budget ? `; rate-limit budget left: ${s.budget}` : ''}`
  return [head, ...s.lines.map((l) => `  ${l}`), ...s.errors.map((e) => `  error in ${e.scope}: ${e.message}`)].join('\n')
}
