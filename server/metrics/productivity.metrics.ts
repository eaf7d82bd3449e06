import type { Formula } from './types.ts'

/** The productivity family's formulas (DESIGN §4). */
export const productivityFormulas: Formula[] = []
