import type { KpiInfo } from '../../api/kpis.ts'
import { periodStart, shiftPeriodStart } from '../../composables/useKpiQuery.ts'

/** A period as the entry form holds it: a label the API reads (2026-10, 2026-Q3) or explicit dates (end exclusive). */
export type EntryPeriod = { mode: 'label'; label: string } | { mode: 'dates'; start: string; end: string }

/**
 * The period a value is usually entered for: the last one that has ended at the KPI's own cadence
 * (last month's bill, last quarter's survey). Weeks, halves and years have no label the API reads
 * besides ISO weeks, so they are given as dates.
 */
export function defaultEntryPeriod(frequency: KpiInfo['frequency'][number] | undefined, today: string): EntryPeriod {
  const year = Number(today.slice(0, 4))
  const month = Number(today.slice(5, 7))
  switch (frequency) {
    case 'quarterly': {
      const start = shiftPeriodStart('quarter', periodStart('quarter', today), -1)
      return { mode: 'label', label: `${start.slice(0, 4)}-Q${Math.floor((Number(start.slice(5, 7)) - 1) / 3) + 1}` }
    }
    case 'weekly': {
      const end = periodStart('week', today)
      return { mode: 'dates', start: shiftPeriodStart('week', end, -1), end }
    }
    case 'semiannual': {
      const end = month > 6 ? `${year}-07-01` : `${year}-01-01`
      const start = month > 6 ? `${year}-01-01` : `${year - 1}-07-01`
      return { mode: 'dates', start, end }
    }
    case 'annual':
      return { mode: 'dates', start: `${year - 1}-01-01`, end: `${year}-01-01` }
    default: {
      const start = shiftPeriodStart('month', periodStart('month', today), -1)
      return { mode: 'label', label: start.slice(0, 7) }
    }
  }
}
