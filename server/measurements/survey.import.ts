import { periodKey, round6, type ImportKind, type PlannedMeasurement } from './csv-table.ts'

interface Tally {
  line: number
  scope: string
  start: string
  end: string
  responses: number
  sum: number
  groups: Map<string, { n: number; sum: number }>
}

const fmt = (x: number) => String(Math.round(x * 100) / 100)

/** The note: responses, and the mean score per group when groups are given. */
function note(t: Tally): string {
  const groups = [...t.groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([g, v]) => `${g} ${fmt(v.sum / v.n)} (${v.n})`)
  return `Imported from a survey CSV: ${t.responses} response${t.responses === 1 ? '' : 's'}${groups.length > 0 ? `; by group: ${groups.join(', ')}` : ''}`
}

/** `survey`: one row per response (score 1–5) → outcomes.stakeholder_satisfaction per period and scope = mean score, components {responses, score_sum}. */
export const surveyImport: ImportKind = {
  spec: {
    kind: 'survey',
    summary: 'Stakeholder satisfaction survey responses, one per row',
    otherColumns: 'reject',
    columns: [
      { key: 'period', names: ['period'], required: true, description: 'the month (2026-10), quarter (2026-Q3) or ISO week (2026-W05) the response belongs to' },
      { key: 'score', names: ['score'], required: true, description: 'the response, 1 (very dissatisfied) to 5 (very satisfied)' },
      { key: 'group', names: ['group'], required: false, description: 'who answered, e.g. product or sales (shown in the note with its mean)' },
      { key: 'scope', names: ['scope'], required: false, description: 'org (default) or team:<id>' },
    ],
  },
  async plan(table, ctx) {
    const tallies = new Map<string, Tally>()
    for (const row of table.rows) {
      const span = table.period(row, 'period', ctx)
      const score = table.number(row, 'score', { required: true, min: 1, max: 5 })
      const group = table.text(row, 'group') ?? ''
      if (group.length > 100) table.fail(row, 'group', 'is longer than 100 characters')
      const scope = table.scope(row, ctx)
      if (!span || scope === undefined || typeof score !== 'number' || group.length > 100) continue
      const key = periodKey(scope, span)
      let t = tallies.get(key)
      if (!t) tallies.set(key, (t = { line: row.line, scope, start: span.start, end: span.end, responses: 0, sum: 0, groups: new Map() }))
      t.responses++
      t.sum += score
      if (group !== '') {
        const g = t.groups.get(group) ?? { n: 0, sum: 0 }
        g.n++
        g.sum += score
        t.groups.set(group, g)
      }
    }
    return [...tallies.values()].map(
      (t): PlannedMeasurement => ({
        kpiId: 'outcomes.stakeholder_satisfaction',
        scope: t.scope,
        periodStart: t.start,
        periodEnd: t.end,
        value: round6(t.sum) / t.responses,
        components: { responses: t.responses, score_sum: round6(t.sum) },
        note: note(t),
        line: t.line,
      }),
    )
  },
}
