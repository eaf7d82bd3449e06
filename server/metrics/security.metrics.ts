import type { Formula } from './types.ts'

/** The security family's formulas (DESIGN §4). */
export const securityFormulas: Formula[] = []
