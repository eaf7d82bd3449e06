import { beforeAll, describe, expect, it } from 'vitest'
import { ensureWebBuilt } from './web-build.ts'
import { FIRST_VIEW_BUDGET_BYTES, firstViewChunks, kb } from './first-view-js.ts'

// Issue #7: the first view's JavaScript is at most 250 KB gzip, measured in the build. The browser
// test also sums what the overview really loads; this one reads the build alone, so it names the
// chunks to look at when the budget is exceeded.
describe('dashboard bundle', () => {
  let dist: string
  beforeAll(async () => {
    dist = await ensureWebBuilt()
  })

  it(`loads at most ${kb(FIRST_VIEW_BUDGET_BYTES)} of gzip JavaScript for the first view`, () => {
    const chunks = firstViewChunks(dist)
    const total = chunks.reduce((s, c) => s + c.gzipBytes, 0)
    const lines = chunks.map((c) => `  ${c.file}: ${kb(c.bytes)} → ${kb(c.gzipBytes)} gzip`)
    console.log(`first view JavaScript: ${kb(total)} gzip of ${kb(FIRST_VIEW_BUDGET_BYTES)} budget (${chunks.length} chunk(s))\n${lines.join('\n')}`)
    expect(chunks.length).toBeGreaterThan(0)
    expect(total, `first view JavaScript ${kb(total)} gzip exceeds ${kb(FIRST_VIEW_BUDGET_BYTES)}:\n${lines.join('\n')}`).toBeLessThanOrEqual(FIRST_VIEW_BUDGET_BYTES)
  })
})
