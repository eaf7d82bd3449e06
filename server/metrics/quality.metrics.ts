import type { Formula } from './types.ts'

/** The quality family's formulas (DESIGN §4). */
export const qualityFormulas: Formula[] = []
