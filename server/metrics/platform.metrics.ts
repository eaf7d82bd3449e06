import type { Formula } from './types.ts'

/** The platform family's formulas (DESIGN §4). */
export const platformFormulas: Formula[] = []
