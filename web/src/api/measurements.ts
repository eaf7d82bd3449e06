import type { Static } from '@sinclair/typebox'
import type { ImportResult, MeasurementBody, MeasurementList, MeasurementWritten } from '../../../server/routes/measurements.schema.ts'
import { getJsonWithParams, sendCsv, sendJson } from './client.ts'

export type { MeasurementBody }
export type MeasurementWritten = Static<typeof MeasurementWritten>
export type ImportResult = Static<typeof ImportResult>

/** The CSV kinds POST /api/import/:kind takes (server/measurements/README.md lists their columns). */
export const IMPORT_KINDS = ['cloud-billing', 'hiring', 'attrition', 'survey'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]

/** One problem the server found in a CSV file: its physical line (the header is 1), column and why. */
export interface ImportProblem {
  line: number
  column: string | null
  message: string
}

/** One problem with a field of a measurement body (`field` is `body.<name>`). */
export interface FieldProblem {
  field: string
  message: string
}

/** Enters (or corrects) one value of an entered KPI. */
export const postMeasurement = (body: MeasurementBody) => sendJson<MeasurementWritten>('POST', '/api/measurements', body)

/** Imports a CSV file of `kind`; a bad file is an ApiError whose `details` are ImportProblem[]. */
export const importCsv = (kind: ImportKind, csv: string) => sendCsv<ImportResult>(`/api/import/${kind}`, csv)

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null

/** The line problems in an import error's `details` (none when it has another shape). */
export function importProblems(details: unknown): ImportProblem[] {
  if (!Array.isArray(details)) return []
  return details.filter(
    (d): d is ImportProblem => isRecord(d) && typeof d.line === 'number' && typeof d.message === 'string' && (typeof d.column === 'string' || d.column === null),
  )
}

/** The field problems in a measurement error's `details`, keyed by field path without `body.` (`period`, `components.spend`). */
export function fieldProblems(details: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (!Array.isArray(details)) return out
  for (const d of details) {
    if (!isRecord(d) || typeof d.field !== 'string' || typeof d.message !== 'string') continue
    const name = d.field.replace(/^body\.?/, '') || 'form'
    out.set(name, [...(out.get(name) ?? []), d.message])
  }
  return out
}

export type MeasurementList = Static<typeof MeasurementList>

/** Entered values, newest period first, each with its correction history. */
export const getMeasurements = (p: { kpi?: string; scope?: string; limit?: number }, signal?: AbortSignal) =>
  getJsonWithParams<MeasurementList>('/api/measurements', Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])), signal)
