import type { KpiCategory } from './definition.ts'
import type { SeriesItem } from '../routes/kpis.schema.ts'

// Words for statuses and categories, shared by the dashboard (web/src/format/kpi.ts) and the
// snapshot exports, so the board pack and the screen say the same thing. Types only: the web
// bundle imports this file.

/** "On track", "Off track", … */
export const STATUS_LABEL: Record<SeriesItem['status'], string> = {
  'on-track': 'On track',
  'at-risk': 'At risk',
  'off-track': 'Off track',
  'no-data': 'No data',
  'low-confidence': 'Low confidence',
}

/** "Delivery", "Reliability", … */
export const CATEGORY_LABEL: Record<KpiCategory, string> = {
  delivery: 'Delivery',
  reliability: 'Reliability',
  quality: 'Quality',
  security: 'Security',
  cost: 'Cost',
  people: 'People',
  platform: 'Platform',
}
