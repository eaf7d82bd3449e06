/** A problem with one field of an ingest batch, named like `items[3].status`. */
export interface FieldProblem {
  field: string
  message: string
}

interface AjvLikeError {
  instancePath?: string
  keyword?: string
  params?: Record<string, unknown>
  message?: string
}

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/
type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `/items/3/status` → `items[3].status` (JSON pointer escapes undone). */
export function fieldPath(pointer: string, child?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (child !== undefined) parts.push(child)
  let out = ''
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p
  return out || 'body'
}

/** Schema errors as field problems, one per field and message, in order. */
export function schemaProblems(errors: readonly AjvLikeError[] | undefined): FieldProblem[] {
  const out: FieldProblem[] = []
  const seen = new Set<string>()
  for (const e of errors ?? []) {
    const p = e.params ?? {}
    let problem: FieldProblem
    if (e.keyword === 'required' && typeof p.missingProperty === 'string') problem = { field: fieldPath(e.instancePath ?? '', p.missingProperty), message: 'is required' }
    else if (e.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string')
      problem = { field: fieldPath(e.instancePath ?? '', p.additionalProperty), message: 'is not a known field' }
    else if (e.keyword === 'enum' && Array.isArray(p.allowedValues)) problem = { field: fieldPath(e.instancePath ?? ''), message: `must be one of ${p.allowedValues.join(', ')}` }
    else problem = { field: fieldPath(e.instancePath ?? ''), message: e.message ?? 'is invalid' }
    const key = `${problem.field}\u0000${problem.message}`
    if (!seen.has(key)) out.push(problem)
    seen.add(key)
  }
  return out
}

const time = (v: unknown): number | null => {
  if (typeof v !== 'string') return null
  const t = Date.parse(v)
  return Number.isNaN(t) ? null : t
}

/** The items of a body that may have failed schema validation: only objects are checked further. */
function items(body: unknown): [number, Obj][] {
  if (!isObj(body) || !Array.isArray(body.items)) return []
  return body.items.flatMap((it, i): [number, Obj][] => (isObj(it) ? [[i, it]] : []))
}

function duplicateIds(body: unknown, key: (item: Obj) => string | null, field: string): FieldProblem[] {
  const first = new Map<string, number>()
  const out: FieldProblem[] = []
  for (const [i, it] of items(body)) {
    const k = key(it)
    if (k === null) continue
    if (first.has(k)) out.push({ field: `items[${i}].${field}`, message: `repeats items[${first.get(k)}].${field}: each ${field} may appear once per batch` })
    else first.set(k, i)
  }
  return out
}

function notBefore(i: number, it: Obj, later: string, earlier: string, strict = false): FieldProblem[] {
  const a = time(it[later])
  const b = time(it[earlier])
  if (a === null || b === null || (strict ? a > b : a >= b)) return []
  return [{ field: `items[${i}].${later}`, message: strict ? `must be after ${earlier}` : `must not be before ${earlier}` }]
}

function repoProblem(i: number, it: Obj): FieldProblem[] {
  if (typeof it.repo !== 'string' || REPO.test(it.repo)) return []
  return [{ field: `items[${i}].repo`, message: 'must be owner/name, e.g. acme/payments-api' }]
}

/** Checks the schema cannot express for POST /api/deployments. */
export function deploymentProblems(body: unknown): FieldProblem[] {
  const out: FieldProblem[] = []
  for (const [i, it] of items(body)) {
    if (it.service === undefined && it.repo === undefined) out.push({ field: `items[${i}].service`, message: 'is required when repo is not given (give service, repo or both)' })
    out.push(...repoProblem(i, it), ...notBefore(i, it, 'finished_at', 'started_at'))
  }
  return [...out, ...duplicateIds(body, (it) => (typeof it.id === 'string' ? it.id : null), 'id')]
}

/** Checks the schema cannot express for POST /api/incidents; `teams` are the configured team ids. */
export function incidentProblems(body: unknown, teams: readonly string[]): FieldProblem[] {
  const out: FieldProblem[] = []
  for (const [i, it] of items(body)) {
    out.push(...repoProblem(i, it), ...notBefore(i, it, 'resolved_at', 'started_at'), ...notBefore(i, it, 'acknowledged_at', 'started_at'))
    if (typeof it.team === 'string' && !teams.includes(it.team)) out.push({ field: `items[${i}].team`, message: `names no configured team (known: ${teams.join(', ') || 'none'})` })
  }
  return [...out, ...duplicateIds(body, (it) => (typeof it.id === 'string' ? it.id : null), 'id')]
}

/** Checks the schema cannot express for POST /api/slis. */
export function sliProblems(body: unknown): FieldProblem[] {
  const out: FieldProblem[] = []
  for (const [i, it] of items(body)) {
    out.push(...notBefore(i, it, 'interval_end', 'interval_start', true))
    if (typeof it.good === 'number' && typeof it.total === 'number' && it.good > it.total) out.push({ field: `items[${i}].good`, message: 'must not exceed total' })
  }
  const key = (it: Obj) => {
    const t = time(it.interval_start)
    return typeof it.slo_id === 'string' && t !== null ? `${it.slo_id}\u0000${t}` : null
  }
  return [...out, ...duplicateIds(body, key, 'interval_start')]
}

/** The message of a 400 listing the problems (all of them are in `details`). */
export function describeProblems(problems: readonly FieldProblem[], shown = 20): string {
  const head = problems.slice(0, shown).map((p) => `${p.field} ${p.message}`)
  const more = problems.length > shown ? `; … and ${problems.length - shown} more (see details)` : ''
  return `The batch was rejected and nothing was stored: ${head.join('; ')}${more}`
}
