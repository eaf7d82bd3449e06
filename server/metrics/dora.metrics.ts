import type { Formula } from './types.ts'

/** The dora family's formulas (DESIGN §4). */
export const doraFormulas: Formula[] = []
