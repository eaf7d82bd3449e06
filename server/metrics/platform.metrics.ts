import { ratio } from './incidents.metrics.ts'
import { repositoryRecords, repositoryStatesByPeriod } from './security.metrics.ts'
import type { Formula, PeriodValue } from './types.ts'

/**
 * `platform.adoption_rate`: of the active (not archived) repositories whose adoption is known at
 * each period's end ('yes' or 'no' in their latest observation up to the period's last day), the
 * share on the paved road (fraction 0–1). Measures: adopted, known, unknown (adoption 'unknown'),
 * unobserved (repositories with no observation by then, left out).
 */
const adoptionRate: Formula = {
  id: 'platform.adoption_rate',
  measures: ['adopted', 'known', 'unknown', 'unobserved'],
  async compute(ctx) {
    const states = await repositoryStatesByPeriod(ctx)
    return ctx.periods.map((p): PeriodValue => {
      const r = states.get(p.start.getTime())
      const adopted = r?.adopted ?? 0
      const known = adopted + (r?.not_adopted ?? 0)
      return { value: ratio(adopted, known), sampleSize: known, measures: { adopted, known, unknown: r?.adoption_unknown ?? 0, unobserved: r?.unobserved ?? 0 } }
    })
  },
  records: (ctx, q) => repositoryRecords(ctx, q, true),
}

/** The platform family's formulas (DESIGN §4). */
export const platformFormulas: Formula[] = [adoptionRate]
