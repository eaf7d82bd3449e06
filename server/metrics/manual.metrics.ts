import type { Formula } from './types.ts'

/** The manual family's formulas (DESIGN §4). */
export const manualFormulas: Formula[] = []
