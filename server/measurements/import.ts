import type { Kysely } from 'kysely'
import type { Principal } from '../auth/principal.ts'
import type { AppConfig } from '../config/app-config.ts'
import type { Database } from '../db/schema.ts'
import { AppError } from '../errors/app-error.ts'
import { recordAudit } from '../repositories/audit.repository.ts'
import { bumpDataVersion } from '../repositories/data-version.repository.ts'
import { attritionImport } from './attrition.import.ts'
import { cloudBillingImport } from './cloud-billing.import.ts'
import { parseCsv, type CsvProblem } from './csv.ts'
import { ImportTable, type ImportKind } from './csv-table.ts'
import { auditedState, type EnterContext } from './enter.ts'
import { hiringImport } from './hiring.import.ts'
import { todayIn } from './period-input.ts'
import { scopeChecker } from './scopes.ts'
import { surveyImport } from './survey.import.ts'
import { inTransaction, writeMeasurements, type WriteOutcome } from './write.ts'

/** The kinds of CSV import, by the name used in POST /api/import/:kind. */
export const IMPORT_KINDS: ReadonlyMap<string, ImportKind> = new Map([cloudBillingImport, hiringImport, attritionImport, surveyImport].map((k) => [k.spec.kind, k]))
export const IMPORT_KIND_NAMES = [...IMPORT_KINDS.keys()]

/** Source of imported values. */
export const CSV_SOURCE = 'csv'
/** At most this many problems are listed (the message gives the total). */
export const MAX_LISTED_PROBLEMS = 1_000

export interface ImportedMeasurement {
  kpi: string
  scope: string
  periodStart: string
  periodEnd: string
  value: number
  components: Record<string, number> | null
  outcome: WriteOutcome
}

export interface ImportResult {
  kind: string
  /** Data lines read (the header and blank lines not counted). */
  rows: number
  created: number
  updated: number
  unchanged: number
  measurements: ImportedMeasurement[]
}

const where = (p: CsvProblem) => `line ${p.line}${p.column === null ? '' : `, column ${p.column}`}`

function reject(status: 400 | 403, problems: CsvProblem[]): never {
  const sorted = [...problems].sort((a, b) => a.line - b.line)
  const first = sorted[0]!
  const message =
    `${status === 403 ? 'You may not write every scope in this file' : `The file has ${sorted.length} problem${sorted.length === 1 ? '' : 's'}`}, so nothing was imported. ` +
    `First: ${where(first)}: ${first.message}` +
    (sorted.length > MAX_LISTED_PROBLEMS ? ` (the first ${MAX_LISTED_PROBLEMS} are listed)` : '')
  throw new AppError(status, status === 403 ? 'forbidden' : 'invalid_request', message, sorted.slice(0, MAX_LISTED_PROBLEMS))
}

/**
 * Imports a CSV file of one kind: parses and validates all of it first — every problem is
 * reported with its line and column (400), a scope the caller may not write with 403 — and
 * stores nothing unless the whole file is sound; then writes every measurement in one
 * transaction (corrections keep their history), with one audit entry, and marks KPI data as changed.
 */
export async function importMeasurements(
  db: Kysely<Database>,
  config: AppConfig,
  principal: Principal,
  kind: ImportKind,
  text: string,
  ctx: EnterContext,
): Promise<ImportResult> {
  const parsed = parseCsv(text)
  const table = new ImportTable(kind.spec, parsed.header, parsed.rows)
  table.problems.push(...parsed.problems)
  const scopes = new Set(table.rows.map((r) => table.text(r, 'scope') || 'org'))
  const context = { db, timezone: config.timezone, today: todayIn(ctx.now, config.timezone), scope: await scopeChecker(db, config, principal, scopes) }
  const planned = parsed.header ? await kind.plan(table, context) : []
  const forbidden = table.forbiddenProblems()
  if (forbidden.length > 0) reject(403, [...forbidden, ...table.problems])
  if (table.problems.length > 0) reject(400, table.problems)
  if (planned.length === 0) reject(400, [{ line: (parsed.header?.line ?? 0) + 1, column: null, message: 'the file has no data lines' }])

  const results = await inTransaction(db, async (trx) => {
    const written = await writeMeasurements(trx, planned, { actor: ctx.actor, source: CSV_SOURCE, now: ctx.now })
    const count = (o: WriteOutcome) => written.filter((w) => w.outcome === o).length
    if (count('created') + count('updated') > 0) {
      await recordAudit(trx, {
        actor: ctx.actor,
        action: 'measurements.import',
        targetType: 'measurement_import',
        targetId: kind.spec.kind,
        before: null,
        after: {
          kind: kind.spec.kind,
          rows: parsed.rows.length,
          created: count('created'),
          updated: count('updated'),
          unchanged: count('unchanged'),
          corrections: written.filter((w) => w.outcome === 'updated').map((w) => ({ id: w.row.id, before: auditedState(w.before!), after: auditedState(w.row) })),
        },
        requestId: ctx.requestId,
        ip: ctx.ip,
        at: ctx.now,
      })
    }
    return written
  })
  const changed = results.some((r) => r.outcome !== 'unchanged')
  if (changed && !db.isTransaction) await bumpDataVersion(db)
  return {
    kind: kind.spec.kind,
    rows: parsed.rows.length,
    created: results.filter((r) => r.outcome === 'created').length,
    updated: results.filter((r) => r.outcome === 'updated').length,
    unchanged: results.filter((r) => r.outcome === 'unchanged').length,
    measurements: results.map((r) => ({
      kpi: r.row.kpiId,
      scope: r.row.scope,
      periodStart: r.row.periodStart,
      periodEnd: r.row.periodEnd,
      value: r.row.value,
      components: r.row.components,
      outcome: r.outcome,
    })),
  }
}
