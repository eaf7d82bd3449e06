import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { recordAudit } from '../repositories/audit.repository.ts'
import { bumpDataVersion } from '../repositories/data-version.repository.ts'
import { measurementHistory, type MeasurementHistoryRow, type MeasurementRow } from '../repositories/kpi/measurements.repository.ts'
import { inTransaction, writeMeasurements, type MeasurementInput, type WriteOutcome } from './write.ts'

/** Who writes, for the rows and the audit log. */
export interface EnterContext {
  actor: string
  requestId?: string | null
  ip?: string | null
  now: Date
}

/** Source of values posted to /api/measurements (the web form posts there too). */
export const API_SOURCE = 'api'

/** The part of a measurement the audit log keeps. */
export const auditedState = (m: MeasurementRow) => ({
  kpi: m.kpiId,
  scope: m.scope,
  periodStart: m.periodStart,
  periodEnd: m.periodEnd,
  value: m.value,
  components: m.components,
  note: m.note,
})

/**
 * Stores one entered value with an audit entry in one transaction (a correction also appends its
 * history row; an identical value changes nothing and is not audited), then marks KPI data as
 * changed. Returns the outcome and the row as stored with its corrections, newest first.
 */
export async function enterMeasurement(
  db: Kysely<Database>,
  input: MeasurementInput,
  ctx: EnterContext,
): Promise<{ outcome: WriteOutcome; row: MeasurementRow; history: MeasurementHistoryRow[] }> {
  const result = await inTransaction(db, async (trx) => {
    const [r] = await writeMeasurements(trx, [input], { actor: ctx.actor, source: API_SOURCE, now: ctx.now })
    if (r!.outcome !== 'unchanged') {
      await recordAudit(trx, {
        actor: ctx.actor,
        action: r!.outcome === 'created' ? 'measurement.create' : 'measurement.update',
        targetType: 'measurement',
        targetId: String(r!.row.id),
        before: r!.before ? auditedState(r!.before) : null,
        after: auditedState(r!.row),
        requestId: ctx.requestId,
        ip: ctx.ip,
        at: ctx.now,
      })
    }
    return r!
  })
  if (result.outcome !== 'unchanged' && !db.isTransaction) await bumpDataVersion(db)
  return { outcome: result.outcome, row: result.row, history: await measurementHistory(db, [result.row.id]) }
}
