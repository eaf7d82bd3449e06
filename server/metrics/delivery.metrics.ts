import type { Formula } from './types.ts'

/** The delivery family's formulas (DESIGN §4). */
export const deliveryFormulas: Formula[] = []
