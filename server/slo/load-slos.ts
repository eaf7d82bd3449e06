import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parseAllDocuments } from 'yaml'
import {
  type BudgetingMethod,
  type MetricSource,
  type Objective,
  type RatioIndicator,
  type Slo,
  type SloProblem,
  type TimeWindow,
  DURATION_PATTERN,
  durationHours,
  parseDuration,
} from './openslo.ts'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
const BUDGETING: readonly BudgetingMethod[] = ['Occurrences', 'Timeslices', 'RatioTimeslices']

export interface RawDoc {
  file: string
  /** `[2]` for the third document of a multi-document file, else empty. */
  at: string
  doc: Obj
}

/** What was found in a directory of OpenSLO files. */
export interface LoadedSlos {
  slos: Slo[]
  problems: SloProblem[]
}

function yamlFiles(dir: string): string[] {
  const out: string[] = []
  let entries: string[]
  try {
    entries = readdirSync(dir).sort()
  } catch {
    return out
  }
  for (const name of entries) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path))
    else if (/\.ya?ml$/i.test(name)) out.push(path)
  }
  return out
}

/**
 * Reads every `.yaml`/`.yml` file under `dir` (multi-document files included) and returns the
 * valid OpenSLO v1 `SLO` documents, their indicators resolved (inline or `indicatorRef` to an
 * `SLI` document in the same directory), and a problem for everything wrong, each naming the
 * file, the field and what was expected. Documents of other kinds (Service, AlertPolicy, …) are
 * ignored. A missing directory gives no SLOs and no problems.
 */
export function loadSlos(dir: string): LoadedSlos {
  const problems: SloProblem[] = []
  const docs: RawDoc[] = []
  for (const path of yamlFiles(dir)) {
    const file = relative(dir, path) || path
    const parsed = parseAllDocuments(readFileSync(path, 'utf8'))
    const list = Array.isArray(parsed) ? parsed : [parsed]
    list.forEach((d, i) => {
      const at = list.length > 1 ? `[${i}]` : ''
      if (d.errors.length > 0) {
        problems.push({ file, field: at || '(document)', message: `is not valid YAML: ${d.errors[0]!.message.split('\n')[0]}` })
        return
      }
      const doc = d.toJS() as unknown
      if (doc === null || doc === undefined) return
      if (!isObj(doc)) {
        problems.push({ file, field: at || '(document)', message: 'must be a mapping with apiVersion, kind, metadata and spec' })
        return
      }
      docs.push({ file, at, doc })
    })
  }
  return resolveDocuments(docs, problems)
}

/** Validates already-parsed documents (exported for tests and for callers holding YAML in memory). */
export function resolveDocuments(docs: readonly RawDoc[], problems: SloProblem[] = []): LoadedSlos {
  const slis = new Map<string, { indicator: RatioIndicator | null; file: string }>()
  const sloDocs: RawDoc[] = []
  for (const d of docs) {
    const p = (field: string, message: string) => problems.push({ file: d.file, field: `${d.at}${d.at && field ? '.' : ''}${field}`, message })
    if (d.doc.apiVersion !== 'openslo/v1') {
      p('apiVersion', `must be "openslo/v1" (got ${JSON.stringify(d.doc.apiVersion)})`)
      continue
    }
    if (d.doc.kind === 'SLO') sloDocs.push(d)
    else if (d.doc.kind === 'SLI') {
      const name = metadataName(d.doc, p)
      if (!name) continue
      const spec = isObj(d.doc.spec) ? d.doc.spec : (p('spec', 'must be a mapping'), null)
      if (!spec) continue
      if (slis.has(name)) p('metadata.name', `duplicates the SLI "${name}" in ${slis.get(name)!.file}`)
      else slis.set(name, { indicator: ratioIndicator(spec, 'spec', p), file: d.file })
    } else if (typeof d.doc.kind !== 'string') p('kind', 'must be a string such as "SLO"')
  }

  const slos: Slo[] = []
  const seen = new Map<string, string>()
  for (const d of sloDocs) {
    const before = problems.length
    const p = (field: string, message: string) => problems.push({ file: d.file, field: `${d.at}${d.at && field ? '.' : ''}${field}`, message })
    const id = metadataName(d.doc, p)
    const metadata = isObj(d.doc.metadata) ? d.doc.metadata : {}
    const spec = isObj(d.doc.spec) ? d.doc.spec : (p('spec', 'must be a mapping with service, indicator, timeWindow, budgetingMethod and objectives'), null)
    if (!spec) continue
    const service = typeof spec.service === 'string' && spec.service.trim() ? spec.service.trim() : (p('spec.service', 'must name the service, e.g. payments-api'), '')

    let indicator: RatioIndicator | null = null
    let indicatorName: string | null = null
    if (spec.indicator !== undefined && spec.indicatorRef !== undefined) p('spec', 'has both indicator and indicatorRef: give one')
    else if (isObj(spec.indicator)) {
      indicatorName = isObj(spec.indicator.metadata) && typeof spec.indicator.metadata.name === 'string' ? spec.indicator.metadata.name : null
      indicator = isObj(spec.indicator.spec) ? ratioIndicator(spec.indicator.spec, 'spec.indicator.spec', p) : (p('spec.indicator.spec', 'must be a mapping with ratioMetric'), null)
    } else if (typeof spec.indicatorRef === 'string') {
      indicatorName = spec.indicatorRef
      const sli = slis.get(spec.indicatorRef)
      if (!sli) p('spec.indicatorRef', `names no SLI document: "${spec.indicatorRef}" (an SLI with that metadata.name must be in the same directory)`)
      else if (!sli.indicator) p('spec.indicatorRef', `names the SLI "${spec.indicatorRef}" in ${sli.file}, which is invalid`)
      else indicator = sli.indicator
    } else p('spec.indicator', 'is required: an inline SLI (metadata, spec.ratioMetric) or spec.indicatorRef naming an SLI')

    const timeWindow = parseTimeWindow(spec.timeWindow, p)
    const budgetingMethod = BUDGETING.includes(spec.budgetingMethod as BudgetingMethod)
      ? (spec.budgetingMethod as BudgetingMethod)
      : (p('spec.budgetingMethod', `must be one of ${BUDGETING.join(', ')} (got ${JSON.stringify(spec.budgetingMethod)})`), null)
    const objectives = parseObjectives(spec.objectives, budgetingMethod, p)

    if (id && seen.has(id)) p('metadata.name', `duplicates the SLO "${id}" in ${seen.get(id)}`)
    if (id) seen.set(id, d.file)
    if (problems.length > before || !id || !indicator || !timeWindow || !budgetingMethod || !objectives) continue
    slos.push({
      id,
      displayName: typeof metadata.displayName === 'string' ? metadata.displayName : null,
      description: typeof spec.description === 'string' ? spec.description : null,
      service,
      file: d.file,
      indicatorName,
      indicator,
      timeWindow,
      budgetingMethod,
      objectives,
    })
  }
  return { slos, problems }
}

type Report = (field: string, message: string) => void

function metadataName(doc: Obj, p: Report): string | null {
  const name = isObj(doc.metadata) ? doc.metadata.name : undefined
  if (typeof name === 'string' && NAME.test(name)) return name
  p('metadata.name', `must be a lower-case DNS label (a-z, 0-9, "-", at most 63 characters), e.g. payments-api-availability (got ${JSON.stringify(name)})`)
  return null
}

function metricSource(v: unknown, field: string, p: Report): MetricSource | null {
  const ms = isObj(v) ? v.metricSource : undefined
  if (!isObj(ms)) {
    p(`${field}.metricSource`, 'is required: { type: Prometheus, spec: { query: … } }')
    return null
  }
  if (typeof ms.type !== 'string' || !ms.type) {
    p(`${field}.metricSource.type`, 'must name the source type, e.g. Prometheus')
    return null
  }
  const spec = isObj(ms.spec) ? ms.spec : {}
  const query = typeof spec.query === 'string' && spec.query.trim() ? spec.query.trim() : null
  if (ms.type.toLowerCase() === 'prometheus' && !query) {
    p(`${field}.metricSource.spec.query`, 'must be a PromQL selector of a counter, e.g. http_requests_total{service="payments-api"}')
    return null
  }
  return { type: ms.type, spec, query }
}

function ratioIndicator(spec: Obj, field: string, p: Report): RatioIndicator | null {
  if (spec.thresholdMetric !== undefined && spec.ratioMetric === undefined) {
    p(`${field}.thresholdMetric`, 'is not supported: Meridian reads ratio SLIs only (ratioMetric with good or bad, and total)')
    return null
  }
  const r = spec.ratioMetric
  if (!isObj(r)) {
    p(`${field}.ratioMetric`, 'is required: { counter: true, good | bad: { metricSource }, total: { metricSource } }')
    return null
  }
  const f = `${field}.ratioMetric`
  if (r.counter !== undefined && typeof r.counter !== 'boolean') p(`${f}.counter`, 'must be true or false')
  if (r.raw !== undefined) p(`${f}.raw`, 'is not supported: give good or bad, and total')
  if (r.good !== undefined && r.bad !== undefined) p(f, 'has both good and bad: give one')
  if (r.good === undefined && r.bad === undefined) p(`${f}.good`, 'is required (or bad)')
  const good = r.good !== undefined ? metricSource(r.good, `${f}.good`, p) : null
  const bad = r.bad !== undefined && r.good === undefined ? metricSource(r.bad, `${f}.bad`, p) : null
  const total = r.total !== undefined ? metricSource(r.total, `${f}.total`, p) : (p(`${f}.total`, 'is required'), null)
  if (!total || (!good && !bad) || (r.good !== undefined && r.bad !== undefined)) return null
  if (r.counter !== undefined && typeof r.counter !== 'boolean') return null
  return { counter: r.counter !== false, good, bad, total }
}

function parseTimeWindow(v: unknown, p: Report): TimeWindow | null {
  const f = 'spec.timeWindow'
  if (!Array.isArray(v) || v.length !== 1 || !isObj(v[0])) {
    p(f, 'must be a list of exactly one window, e.g. [{ duration: 28d, isRolling: true }]')
    return null
  }
  const w = v[0]
  const duration = typeof w.duration === 'string' ? w.duration : ''
  if (!DURATION_PATTERN.test(duration)) {
    p(`${f}[0].duration`, `must be a number and a unit (m, h, d, w, M, Q, Y), e.g. 28d (got ${JSON.stringify(w.duration)})`)
    return null
  }
  if (w.isRolling === true) {
    const hours = durationHours(duration)
    if (hours === null || hours < 1) {
      p(`${f}[0].duration`, `a rolling window needs a fixed length of at least 1h in h, d or w, e.g. 28d (got ${duration})`)
      return null
    }
    return { kind: 'rolling', duration, hours }
  }
  if (w.isRolling !== undefined && w.isRolling !== false) {
    p(`${f}[0].isRolling`, 'must be true or false')
    return null
  }
  const cal = isObj(w.calendar) ? w.calendar : null
  if (!cal) {
    p(`${f}[0].calendar`, 'is required for a window that is not rolling: { startTime: "2026-01-01 00:00:00", timeZone: UTC }')
    return null
  }
  const start = typeof cal.startTime === 'string' ? new Date(`${cal.startTime.trim().replace(' ', 'T')}${/Z|[+-]\d\d:?\d\d$/.test(cal.startTime) ? '' : 'Z'}`) : new Date(NaN)
  if (Number.isNaN(start.getTime())) {
    p(`${f}[0].calendar.startTime`, `must be a date and time, e.g. "2026-01-01 00:00:00" (got ${JSON.stringify(cal.startTime)})`)
    return null
  }
  const timeZone = typeof cal.timeZone === 'string' ? cal.timeZone : 'UTC'
  if (timeZone !== 'UTC' && timeZone !== 'Etc/UTC') {
    p(`${f}[0].calendar.timeZone`, `only UTC is supported for now (got ${JSON.stringify(cal.timeZone)})`)
    return null
  }
  const { count, unit } = parseDuration(duration)!
  return { kind: 'calendar', duration, count, unit, startTime: start, timeZone }
}

function fraction(v: unknown, percent: boolean): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null
  const x = percent ? v / 100 : v
  return x > 0 && x < 1 ? x : null
}

function parseObjectives(v: unknown, method: BudgetingMethod | null, p: Report): Objective[] | null {
  if (!Array.isArray(v) || v.length === 0) {
    p('spec.objectives', 'must be a non-empty list, e.g. [{ target: 0.999 }]')
    return null
  }
  const out: Objective[] = []
  let ok = true
  v.forEach((o, i) => {
    const f = `spec.objectives[${i}]`
    if (!isObj(o)) {
      p(f, 'must be a mapping with target or targetPercent')
      ok = false
      return
    }
    let target: number | null = null
    if (o.target !== undefined && o.targetPercent !== undefined) p(f, 'has both target and targetPercent: give one')
    else if (o.target !== undefined) target = fraction(o.target, false) ?? (p(`${f}.target`, `must be a number between 0 and 1, e.g. 0.999 (got ${JSON.stringify(o.target)})`), null)
    else if (o.targetPercent !== undefined)
      target = fraction(o.targetPercent, true) ?? (p(`${f}.targetPercent`, `must be a number between 0 and 100, e.g. 99.9 (got ${JSON.stringify(o.targetPercent)})`), null)
    else p(`${f}.target`, 'is required (or targetPercent)')
    let timeSliceTarget: number | null = null
    let timeSliceMinutes: number | null = null
    if (method === 'Timeslices' || method === 'RatioTimeslices') {
      const window = typeof o.timeSliceWindow === 'string' ? o.timeSliceWindow : typeof o.timeSliceWindow === 'number' ? `${o.timeSliceWindow}s` : ''
      const hours = durationHours(window)
      if (hours === null) p(`${f}.timeSliceWindow`, `is required with ${method}: a duration such as 1m or 5m (got ${JSON.stringify(o.timeSliceWindow)})`)
      else timeSliceMinutes = hours * 60
      if (method === 'Timeslices') {
        timeSliceTarget = fraction(o.timeSliceTarget, false)
        if (timeSliceTarget === null) p(`${f}.timeSliceTarget`, `is required with Timeslices: a number between 0 and 1, e.g. 0.95 (got ${JSON.stringify(o.timeSliceTarget)})`)
      }
    }
    if (target === null || (method === 'Timeslices' && (timeSliceTarget === null || timeSliceMinutes === null)) || (method === 'RatioTimeslices' && timeSliceMinutes === null)) {
      ok = false
      return
    }
    out.push({ displayName: typeof o.displayName === 'string' ? o.displayName : null, target, timeSliceTarget, timeSliceMinutes })
  })
  return ok ? out : null
}
