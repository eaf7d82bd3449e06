import { deliveryFormulas } from './delivery.metrics.ts'
import { doraFormulas } from './dora.metrics.ts'
import { incidentsFormulas } from './incidents.metrics.ts'
import { manualFormulas } from './manual.metrics.ts'
import { platformFormulas } from './platform.metrics.ts'
import { productivityFormulas } from './productivity.metrics.ts'
import { qualityFormulas } from './quality.metrics.ts'
import { securityFormulas } from './security.metrics.ts'
import { sloFormulas } from './slo.metrics.ts'
import type { Formula } from './types.ts'

/** Every formula a KPI definition may name in `formula:`, by id. */
export const FORMULAS: ReadonlyMap<string, Formula> = new Map(
  [...doraFormulas, ...incidentsFormulas, ...sloFormulas, ...qualityFormulas, ...securityFormulas, ...productivityFormulas, ...deliveryFormulas, ...platformFormulas, ...manualFormulas].map((f) => [f.id, f]),
)
