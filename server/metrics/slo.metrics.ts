import type { Formula } from './types.ts'

/** The slo family's formulas (DESIGN §4). */
export const sloFormulas: Formula[] = []
