import type { MetricRecord } from './types.ts'

/** An instant as ISO 8601 text, null stays null (both drivers may hand timestamps as Date or text). */
export const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString())

/** A GitHub issue behind a value: its repository, number and state, plus what the formula adds. */
export function issueRecord(
  r: { id: number | null; title: string | null; url: string | null; repo: string; number: number | null; state: string | null },
  at: Date | string | null,
  value: number,
  fields: MetricRecord['fields'],
): MetricRecord {
  return { type: 'issue', id: String(r.id ?? ''), title: r.title ?? '', at: iso(at), url: r.url, value, fields: { repo: r.repo, number: r.number, state: r.state, ...fields } }
}
