import type { Formula } from './types.ts'

/** The incidents family's formulas (DESIGN §4). */
export const incidentsFormulas: Formula[] = []
