import type { Insertable } from 'kysely'
import type { MeasurementTable } from '../../server/db/schema.ts'
import type { OrgPlan } from './org-plan.ts'
import { Rng } from './prng.ts'
import { addMonths, isoDate, monthStarts } from './time.ts'

type Row = Insertable<MeasurementTable>

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

/**
 * Entered KPI values for the organisation: monthly cost figures, quarterly people and outcome
 * figures, each for completed periods only ([start, next start) with period_end exclusive).
 */
export function planMeasurements(org: OrgPlan): Row[] {
  const rng = new Rng(`${org.seed}:measurements`)
  const size = org.repos.length / 12
  const months = monthStarts(org.start, org.now).filter((m) => addMonths(m, 1) <= org.now)
  const quarters = months.filter((m) => new Date(m).getUTCMonth() % 3 === 0 && addMonths(m, 3) <= org.now)
  const rows: Row[] = []
  const add = (kpi: string, start: number, months: number, value: number, components: Record<string, number> | null) =>
    rows.push({
      kpi_id: kpi,
      scope: 'org',
      period_start: isoDate(start),
      period_end: isoDate(addMonths(start, months)),
      value,
      components: components === null ? null : JSON.stringify(components),
      note: 'Demo data',
      source: 'demo',
      entered_by: 'demo',
    })
  months.forEach((m, i) => {
    const budget = Math.round(180_000 * size * 1.012 ** i)
    const spend = Math.round(budget * (1 + 0.06 * rng.normal() + (i > months.length - 4 ? 0.05 : 0)))
    add('cost.cloud_spend_vs_budget', m, 1, round((spend - budget) / budget, 4), { spend, budget })
    const units = Math.round(2_400_000 * size * 1.03 ** i * (1 + 0.04 * rng.normal()))
    add('cost.unit_cost', m, 1, round(spend / units, 5), { cost: spend, units })
  })
  quarters.forEach((q) => {
    const planned = Math.max(1, Math.round(6 * size * (0.8 + 0.4 * rng.float())))
    const hired = Math.max(0, Math.min(planned + 1, Math.round(planned * (0.6 + 0.45 * rng.float()))))
    add('people.hiring_attainment', q, 3, round(hired / planned, 4), { hired, planned })
    add('people.time_to_fill', q, 3, Math.round(38 + 14 * rng.float()), null)
    const headcount = Math.round(70 * size)
    const regretted = rng.poisson(0.9 * size)
    add('people.regretted_attrition', q, 3, round(regretted / headcount, 4), { regretted, headcount })
    const keyRoles = Math.max(4, Math.round(16 * size))
    const ready = Math.round(keyRoles * (0.5 + 0.3 * rng.float()))
    add('people.bench_strength', q, 3, round(ready / keyRoles, 4), { ready, key_roles: keyRoles })
    add('outcomes.stakeholder_satisfaction', q, 3, round(3.6 + 0.8 * rng.float(), 1), null)
    add('outcomes.customer_trust', q, 3, Math.round(30 + 20 * rng.float()), null)
    add('security.audit_findings', q, 3, rng.int(0, 6), null)
  })
  return rows
}
