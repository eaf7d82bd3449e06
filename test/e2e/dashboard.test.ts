import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Static } from '@sinclair/typebox'
import type { KpiListResponse, KpiResponse, RecordsResponse, SeriesItem } from '../../server/routes/kpis.schema.ts'
import type { MeasurementList } from '../../server/routes/measurements.schema.ts'
import type { TeamsResponse } from '../../server/routes/org.schema.ts'
import type { SlosResponse } from '../../server/routes/slos.schema.ts'
import { formatDelta, formatValue, latestComplete, STATUS_LABEL } from '../../web/src/format/kpi.ts'
import { formatAttainment, formatBudgetRemaining } from '../../web/src/components/slo/slo-format.ts'
import { DESKTOP, launchBrowser, openPage, PHONE, screenshot, seriousAxeViolations, type Viewport, type WatchedPage } from '../support/browser.ts'
import { startDemoServer, type DemoServer } from './demo-server.ts'
import { FIRST_VIEW_BUDGET_BYTES, gzipSize, kb } from './first-view-js.ts'
import { snapshotWebBuild } from './web-build.ts'

// Issue #7's browser tests: the built dashboard, served by the real app over the small demo
// organisation, driven in Debian's Chromium. Every expectation is computed from the API answer for
// the same query, never a number copied from a screenshot. One file on purpose: one server (the
// demo load is most of the run's set-up) and one browser for all of it keep the run short.

const UI_TIMEOUT = 15_000

// Functions passed to page.evaluate run in the browser; the project compiles without the DOM library.
interface BrowserElement {
  closest(selector: string): BrowserElement | null
  getAttribute(name: string): string | null
}
declare const document: { activeElement: BrowserElement | null; documentElement: { scrollWidth: number; clientWidth: number } }
declare function getComputedStyle(e: BrowserElement): { outlineStyle: string; outlineWidth: string; boxShadow: string }

let dist: string
let removeDist: (() => void) | undefined
let server: DemoServer
let browser: Browser
const pages: WatchedPage[] = []

beforeAll(async () => {
  const build = await snapshotWebBuild()
  ;[dist, removeDist] = [build.dir, build.remove]
  ;[server, browser] = await Promise.all([startDemoServer(dist), launchBrowser()])
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  removeDist?.()
})

/** A fresh page (own context: no state shared between tests); its problems are checked after the test. */
async function open(viewport: Viewport = DESKTOP): Promise<Page> {
  const watched = await openPage(browser, viewport)
  pages.push(watched)
  return watched.page
}

// No test may leave a console error, an uncaught exception or a failed request behind, on any page.
afterEach(async () => {
  const problems = pages.flatMap((p) => p.problems)
  await Promise.all(pages.splice(0).map((p) => p.close()))
  expect(problems, 'console errors, page errors or failed requests').toEqual([])
})

/** Forgets problems the test provoked on purpose (e.g. the 400 of a bad CSV import). */
function expectProblem(page: Page, pattern: RegExp): void {
  const watched = pages.find((p) => p.page === page)!
  const expected = watched.problems.filter((p) => pattern.test(p))
  expect(expected.length, `expected a problem matching ${pattern}`).toBeGreaterThan(0)
  watched.problems.splice(0, watched.problems.length, ...watched.problems.filter((p) => !pattern.test(p)))
}

async function goto(page: Page, path: string): Promise<void> {
  await page.goto(`${server.url}${path}`, { waitUntil: 'load' })
}

async function expectAccessible(page: Page, what: string): Promise<void> {
  const violations = await seriousAxeViolations(page)
  expect(violations, `serious or critical axe-core violations on ${what}`).toEqual([])
}

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`)

// vitest's expect knows nothing of locators: these wait the way Playwright's web-first assertions do.
/** Waits until the (first) element is visible. */
const visible = (loc: Locator, timeout = UI_TIMEOUT) => loc.first().waitFor({ state: 'visible', timeout })
/** Waits until no matching element is visible (or none exists). */
const hidden = (loc: Locator) => expect.poll(() => loc.evaluateAll((els) => els.every((e) => !e.checkVisibility())), { timeout: UI_TIMEOUT }).toBe(true)
/** Waits until `count` elements match. */
const count = (loc: Locator, n: number) => expect.poll(() => loc.count(), { timeout: UI_TIMEOUT }).toBe(n)
/** Waits until the (first) element's text contains `text`. */
const containsText = (loc: Locator, text: string | RegExp) =>
  expect.poll(async () => ((await loc.count()) ? (await loc.first().innerText()).replace(/\s+/g, ' ') : ''), { timeout: UI_TIMEOUT }).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text)

// ---------------------------------------------------------------------------------------------
// The overview's tiles against GET /api/kpis.

interface TileState {
  id: string
  status: string | null
  value: string
  reason: string
  error: string
  pill: string
  delta: string
  level: string
}

/** What every tile on the page shows, in page order. */
function readTiles(page: Page): Promise<TileState[]> {
  return page.locator('[data-testid="kpi-tile"]').evaluateAll((tiles) =>
    tiles.map((tile) => {
      const text = (id: string) => (tile.querySelector(`[data-testid="${id}"]`)?.textContent ?? '').replace(/\s+/g, ' ').trim()
      return {
        id: tile.getAttribute('data-kpi') ?? '',
        status: tile.getAttribute('data-status'),
        value: text('kpi-value'),
        reason: text('kpi-reason'),
        error: text('tile-error'),
        pill: text('status-pill'),
        delta: text('delta'),
        level: text('dora-level'),
      }
    }),
  )
}

/** The overview's expected tiles for a query: per KPI, the period a tile shows (the latest that has ended, else the latest). */
async function expectedTiles(query: string): Promise<Map<string, { item: SeriesItem | undefined; value: string; delta: SeriesItem['delta']; error?: string }>> {
  const list = await server.api<KpiListResponse>(`/api/kpis${query ? `?${query}` : ''}`)
  return new Map(
    list.kpis.map((e) => {
      const item = latestComplete(e.series)
      // The change shown is against the comparison the query asks for: the previous period, or a year earlier.
      const delta = new URLSearchParams(query).get('compare') === 'year' ? item?.comparison?.delta : item?.delta
      return [e.kpi.id, { item, value: formatValue(item?.value, e.kpi.unit), delta, error: e.error }]
    }),
  )
}

/** Differences between the tiles and the API (empty when they agree), for one readable assertion. */
function tileMismatches(tiles: TileState[], expected: Awaited<ReturnType<typeof expectedTiles>>): string[] {
  const problems: string[] = []
  const shown = tiles.map((t) => t.id).sort()
  const wanted = [...expected.keys()].sort()
  if (shown.join() !== wanted.join()) problems.push(`tiles ${shown.join(', ')} ≠ API KPIs ${wanted.join(', ')}`)
  for (const tile of tiles) {
    const want = expected.get(tile.id)
    if (!want) continue
    if (want.error) {
      if (!tile.error && !tile.reason) problems.push(`${tile.id}: the API reports an error but the tile shows neither tile-error nor a reason`)
      continue
    }
    const item = want.item
    if (!item) continue
    if (tile.status !== item.status) problems.push(`${tile.id}: data-status ${tile.status} ≠ API ${item.status} (${item.label})`)
    if (item.value !== null) {
      if (tile.value !== want.value) problems.push(`${tile.id}: shows "${tile.value}", API ${item.label} is ${item.value} → "${want.value}"`)
    } else if (!tile.reason) {
      problems.push(`${tile.id}: no value for ${item.label} and no reason shown (API reason: ${item.reason ?? 'none'})`)
    } else if (item.reason && !tile.reason.includes(item.reason)) {
      problems.push(`${tile.id}: reason "${tile.reason}" does not say the API's "${item.reason}"`)
    }
    if (tile.pill !== STATUS_LABEL[item.status]) problems.push(`${tile.id}: status pill "${tile.pill}" ≠ "${STATUS_LABEL[item.status]}"`)
    if (want.delta) {
      const words = want.delta.good === true ? 'better' : want.delta.good === false ? 'worse' : 'unchanged'
      if (!tile.delta.startsWith(formatDelta(want.delta)) || !tile.delta.includes(words)) problems.push(`${tile.id}: change "${tile.delta}" ≠ "${formatDelta(want.delta)}" (${words})`)
    }
    if ((item.level ?? '') !== tile.level.replace(/^DORA\s*/i, '').toLowerCase()) problems.push(`${tile.id}: DORA level "${tile.level}" ≠ API ${item.level ?? 'none'}`)
    // A low-confidence value is shown with its reason too.
    if (item.status === 'low-confidence' && item.reason && !tile.reason.includes(item.reason)) problems.push(`${tile.id}: low-confidence without its reason "${item.reason}"`)
  }
  return problems
}

/** Waits until the tiles agree with the API for `query` (they load asynchronously), then returns them. */
async function expectTilesMatch(page: Page, query: string): Promise<TileState[]> {
  const expected = await expectedTiles(query)
  let tiles: TileState[] = []
  await expect
    .poll(
      async () => {
        tiles = await readTiles(page)
        return tileMismatches(tiles, expected)
      },
      { timeout: UI_TIMEOUT, interval: 200 },
    )
    .toEqual([])
  return tiles
}

/**
 * Waits until every cell of a DORA table (rows data-scope, cells data-kpi) shows the API's value
 * and status for its scope — the latest period that has ended, as on the tiles.
 */
async function expectDoraTableMatches(table: Locator, expectedScopes: string[]): Promise<void> {
  const read = () =>
    table.locator('[data-scope]').evaluateAll((rows) =>
      rows.flatMap((row) =>
        [...row.querySelectorAll('[data-kpi]')].map((cell) => ({
          scope: row.getAttribute('data-scope') ?? '',
          id: cell.getAttribute('data-kpi') ?? '',
          status: cell.getAttribute('data-status'),
          value: (cell.querySelector('[data-testid="kpi-value"]')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        })),
      ),
    )
  await expect.poll(async () => [...new Set((await read()).map((c) => c.scope))].sort(), { timeout: UI_TIMEOUT }).toEqual([...expectedScopes].sort())
  const ids = [...new Set((await read()).map((c) => c.id))]
  expect(ids.length, 'DORA has five keys').toBe(5)
  const expected = new Map<string, { status: string; value: string }>()
  for (const scope of expectedScopes) {
    const list = await server.api<KpiListResponse>(`/api/kpis?scope=${scope}&ids=${ids.join(',')}`)
    for (const e of list.kpis) {
      const item = latestComplete(e.series)
      expected.set(`${scope} ${e.kpi.id}`, { status: e.error ? 'error' : (item?.status ?? 'no-data'), value: formatValue(item?.value, e.kpi.unit) })
    }
  }
  await expect
    .poll(
      async () =>
        (await read()).flatMap((c) => {
          const want = expected.get(`${c.scope} ${c.id}`)
          if (!want) return [`${c.scope} ${c.id}: not in the API answer`]
          const problems: string[] = []
          if (c.status !== want.status) problems.push(`${c.scope} ${c.id}: data-status ${c.status} ≠ API ${want.status}`)
          if (!c.value.startsWith(want.value)) problems.push(`${c.scope} ${c.id}: shows "${c.value}", API "${want.value}"`)
          return problems
        }),
      { timeout: UI_TIMEOUT, interval: 200 },
    )
    .toEqual([])
}

/** The outermost elements sticking out past the right edge of the viewport, to name in a failure. */
function widestElements(page: Page): Promise<string[]> {
  return page.locator('body *').evaluateAll((els) => {
    const width = (els[0]?.ownerDocument.documentElement.clientWidth ?? 0) + 1
    const view = els[0]?.ownerDocument.defaultView
    type El = (typeof els)[number]
    const clipped = (e: El) => {
      for (let a = e.parentElement; a && a.tagName !== 'BODY'; a = a.parentElement) if (view?.getComputedStyle(a).overflowX !== 'visible') return true
      return false
    }
    const sticksOut = (e: El | null) => !!e && e.getBoundingClientRect().right > width && !clipped(e)
    return els
      .filter((e) => sticksOut(e) && !sticksOut(e.parentElement))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.getAttribute('data-testid') ? `[data-testid=${e.getAttribute('data-testid')}]` : ''}${typeof e.className === 'string' && e.className.trim() ? `.${e.className.trim().split(/\s+/).join('.')}` : ''} (right edge ${Math.round(e.getBoundingClientRect().right)}px)`)
  })
}

const searchParams = (page: Page) => new URL(page.url()).searchParams

describe('dashboard in Chromium (small demo organisation)', () => {
  it('overview: every KPI tile shows the API value or the reason there is none; first view within the JS budget', async () => {
    const page = await open(DESKTOP)
    const scripts: string[] = []
    page.on('response', (res) => {
      if (res.request().resourceType() === 'script' && res.url().startsWith(server.url)) scripts.push(new URL(res.url()).pathname)
    })
    await goto(page, '/')
    const tiles = await expectTilesMatch(page, '')
    expect(tiles.length).toBeGreaterThan(0)
    for (const t of tiles) expect(t.value || t.reason || t.error, `${t.id} shows neither value nor reason`).not.toBe('')
    // Each computed tile carries its trend as a sparkline.
    const withoutSparkline = await page
      .locator('[data-testid="kpi-tile"]:not([data-status="error"])')
      .evaluateAll((els) => els.filter((e) => !e.querySelector('[data-testid="sparkline"]')).map((e) => e.getAttribute('data-kpi')))
    expect(withoutSparkline, 'tiles without a sparkline').toEqual([])
    // Tiles are grouped by category, each group named.
    for (const t of tiles) {
      const group = page.locator(`[data-testid="kpi-tile"][data-kpi="${t.id}"]`).locator('xpath=ancestor::section[1]')
      await expect.poll(() => group.count()).toBe(1)
    }

    // What the first view really loaded, compressed as a server would send it.
    await page.waitForLoadState('networkidle')
    const loaded = [...new Set(scripts)]
    const gzip = loaded.reduce((s, path) => s + gzipSize(readFileSync(join(dist, path))), 0)
    console.log(`overview loaded ${loaded.length} script(s), ${kb(gzip)} gzip (budget ${kb(FIRST_VIEW_BUDGET_BYTES)}): ${loaded.join(', ')}`)
    expect(gzip).toBeLessThanOrEqual(FIRST_VIEW_BUDGET_BYTES)

    await screenshot(page, 'overview-1280')
    await expectAccessible(page, 'the overview at 1280×800')
  })

  it('overview: changing frequency and scope updates the URL and the numbers', async () => {
    const page = await open(DESKTOP)
    await goto(page, '/')
    const month = await expectTilesMatch(page, '')

    await byTestId(page, 'period-select').selectOption('week')
    await expect.poll(() => searchParams(page).get('period')).toBe('week')
    const week = await expectTilesMatch(page, 'period=week')
    expect(week.map((t) => t.value), 'weekly numbers differ from monthly ones').not.toEqual(month.map((t) => t.value))

    const { teams } = await server.api<TeamsResponse>('/api/teams')
    const team = teams[0]!
    await byTestId(page, 'scope-select').selectOption(`team:${team.id}`)
    await expect.poll(() => searchParams(page).get('scope')).toBe(`team:${team.id}`)
    expect(searchParams(page).get('period')).toBe('week')
    const teamWeek = await expectTilesMatch(page, `period=week&scope=team:${team.id}`)
    expect(teamWeek.map((t) => t.value)).not.toEqual(week.map((t) => t.value))

    // The URL is the share: opening it afresh shows the same selection and numbers.
    const shared = page.url()
    const other = await open(DESKTOP)
    await other.goto(shared)
    await expect.poll(() => byTestId(other, 'period-select').inputValue()).toBe('week')
    await expect.poll(() => byTestId(other, 'scope-select').inputValue()).toBe(`team:${team.id}`)
    await expectTilesMatch(other, `period=week&scope=team:${team.id}`)

    // Comparing with the previous year is kept in the URL too, with the selection.
    await byTestId(page, 'compare-select').selectOption('year')
    await expect.poll(() => searchParams(page).get('compare')).toBe('year')
    expect([searchParams(page).get('period'), searchParams(page).get('scope')]).toEqual(['week', `team:${team.id}`])
    await expectTilesMatch(page, `period=week&scope=team:${team.id}&compare=year`)

    // Previous moves the range back one period, in the URL and the tiles.
    await byTestId(page, 'period-prev').click()
    await expect.poll(() => searchParams(page).get('to')).not.toBeNull()
    await expectTilesMatch(page, `period=week&scope=team:${team.id}&compare=year&to=${searchParams(page).get('to')}`)
  })

  it('keyboard: Tab reaches a tile and Enter opens its KPI page', async () => {
    const page = await open(DESKTOP)
    await goto(page, '/')
    await expectTilesMatch(page, '')
    let kpi: string | null = null
    for (let i = 0; i < 80 && !kpi; i++) {
      await page.keyboard.press('Tab')
      kpi = await page.evaluate(() => document.activeElement?.closest('[data-testid="kpi-tile"]')?.getAttribute('data-kpi') ?? null)
    }
    expect(kpi, 'no KPI tile is reachable with Tab').not.toBeNull()
    // The focused element, or its tile, shows it has focus (an outline or a box shadow).
    const focusVisible = await page.evaluate(() => {
      const shows = (e: BrowserElement | null) => {
        if (!e) return false
        const s = getComputedStyle(e)
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'
      }
      return shows(document.activeElement) || shows(document.activeElement?.closest('[data-testid="kpi-tile"]') ?? null)
    })
    expect(focusVisible, 'the focused tile has no visible focus indicator').toBe(true)
    await page.keyboard.press('Enter')
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/kpis/${kpi}`)
  })

  it('overview prints without the navigation and the global bar controls', async () => {
    const page = await open(DESKTOP)
    await goto(page, '/')
    await expectTilesMatch(page, '')
    await page.emulateMedia({ media: 'print' })
    await hidden(page.locator('nav[aria-label="Main"]'))
    for (const id of ['period-select', 'period-prev', 'period-next', 'scope-select', 'compare-select', 'range-from', 'range-to']) {
      await hidden(byTestId(page, id))
    }
    await visible(page.locator('[data-testid="kpi-tile"]'))
    await screenshot(page, 'overview-print')
  })

  it('one failing KPI shows its own error and never blanks the page', async () => {
    const page = await open(DESKTOP)
    const { kpis } = await server.api<KpiListResponse>('/api/kpis')
    const broken = kpis[0]!.kpi.id
    // The API reports a KPI it could not compute as `error` on that entry; simulate it.
    await page.route(/\/api\/kpis(\?|$)/, async (route) => {
      const res = await route.fetch()
      const body = (await res.json()) as KpiListResponse
      for (const e of body.kpis) if (e.kpi.id === broken) Object.assign(e, { error: 'simulated failure', series: [] })
      await route.fulfill({ response: res, json: body })
    })
    await goto(page, '/')
    const tile = page.locator(`[data-testid="kpi-tile"][data-kpi="${broken}"]`)
    await visible(tile.locator('[data-testid="tile-error"]'))
    const others = await readTiles(page)
    expect(others.filter((t) => t.id !== broken && (t.value || t.reason)).length).toBe(kpis.length - 1)
  })

  it('when the KPI API fails the overview says so, keeps the rest of the page, and Retry recovers', async () => {
    const page = await open(DESKTOP)
    let fail = true
    await page.route(/\/api\/kpis(\?|$)/, (route) =>
      fail ? route.fulfill({ status: 503, json: { error: { code: 'unavailable', message: 'simulated outage', requestId: 'req-e2e' } } }) : route.fallback(),
    )
    await goto(page, '/')
    const alert = page.getByRole('alert').filter({ hasText: 'simulated outage' })
    await visible(alert)
    await visible(page.locator('nav[aria-label="Main"]'))
    await visible(byTestId(page, 'period-select'))
    await screenshot(page, 'overview-error-1280')
    await expectAccessible(page, 'the overview showing an error')
    fail = false
    await alert.getByRole('button', { name: /retry/i }).click()
    await expectTilesMatch(page, '')
    expectProblem(page, /503|status of 503/)
  })

  it('drill-down: from a tile to its KPI page and the records behind one period', async () => {
    const page = await open(DESKTOP)
    await goto(page, '/')
    await expectTilesMatch(page, '')
    const id = 'dora.deployment_frequency'
    await page.locator(`[data-testid="kpi-tile"][data-kpi="${id}"]`).getByRole('link').first().click()
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/kpis/${id}`)

    // A deployment posted through the ingest API with a link to its pipeline run, in the last
    // ended month: the records list must link to it (demo rows carry no links).
    const lastMonth = (await server.api<KpiResponse>(`/api/kpis/${id}`)).series.filter((s) => !s.partial).pop()!
    const runUrl = 'https://github.com/acme-demo/payments-api/actions/runs/424242'
    // The month's last hour: records are listed newest first, so it is on the first page.
    const at = new Date(new Date(lastMonth.end).getTime() - 3_600_000).toISOString()
    const ingest = await server.app.inject({
      method: 'POST',
      url: '/api/deployments',
      payload: { items: [{ id: 'e2e-linked', repo: 'acme-demo/payments-api', environment: 'production', sha: 'abcdef1234567', status: 'success', started_at: at, finished_at: at, url: runUrl }] },
    })
    expect(ingest.statusCode, ingest.body).toBeLessThan(300)
    await page.reload()

    const kpi = await server.api<KpiResponse>(`/api/kpis/${id}`)
    await visible(byTestId(page, 'trend-chart'))
    await visible(byTestId(page, 'how-computed'))
    await containsText(byTestId(page, 'how-computed'), kpi.kpi.description.slice(0, 40))
    const rows = byTestId(page, 'period-row')
    await expect.poll(() => rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-label')).filter((l) => l !== null))).toEqual(
      expect.arrayContaining(kpi.series.map((s) => s.label)),
    )

    // The last ended period with deployments: its records are the API's for [start, end).
    const item = [...kpi.series].reverse().find((s) => !s.partial && (s.value ?? 0) > 0)!
    const records = await server.api<RecordsResponse>(`/api/kpis/${id}/records?start=${item.start}&end=${item.end}&scope=org&period=month&limit=500`)
    expect(records.total).toBeGreaterThan(0)
    const recordsAnswer = page.waitForResponse((res) => res.url().includes(`/api/kpis/${id}/records`))
    const row = page.locator(`[data-testid="period-row"][data-label="${item.label}"]`)
    await row.getByRole('button', { name: /Records/ }).click()
    const pageLimit = Number(new URL((await recordsAnswer).url()).searchParams.get('limit') ?? 50)
    const list = byTestId(page, 'records')
    await visible(list)
    const shown = Math.min(records.total, pageLimit)
    await count(list.locator('[data-testid="record-row"]'), shown)
    // The same records, newest first, as the API lists them.
    const rowTexts = await list.locator('[data-testid="record-row"]').evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').replace(/\s+/g, ' ')))
    expect(rowTexts.map((t, i) => t.includes(records.records[i]!.title.replace(/\s+/g, ' ')) || `row ${i}: "${t}" lacks "${records.records[i]!.title}"`).filter((x) => x !== true)).toEqual([])
    // Each record links to where it lives: the posted deployment to its pipeline run.
    expect(item.label).toBe(lastMonth.label)
    const linked = records.records.findIndex((r) => r.url === runUrl)
    expect(linked).toBeGreaterThanOrEqual(0)
    if (linked < shown) await visible(list.locator(`a[href="${runUrl}"]`))
    else throw new Error(`the posted deployment is record ${linked}, beyond the first page of ${shown}`)
    await screenshot(page, 'kpi-records-1280')
    await expectAccessible(page, 'the KPI page with records')
  })

  it('lead time shows its breakdown (coding / pickup / review / deploy)', async () => {
    const page = await open(DESKTOP)
    await goto(page, '/kpis/dora.lead_time')
    await visible(byTestId(page, 'breakdown'))
    await containsText(byTestId(page, 'breakdown'), /coding/i)
    await containsText(byTestId(page, 'breakdown'), /review/i)
  })

  it('teams: the five DORA keys for the organisation and every team, and one team’s page', async () => {
    const page = await open(DESKTOP)
    const { teams } = await server.api<TeamsResponse>('/api/teams')
    await goto(page, '/teams')
    const table = byTestId(page, 'dora-table')
    await visible(table)
    await expectDoraTableMatches(table, ['org', ...teams.map((t) => `team:${t.id}`)])
    await screenshot(page, 'teams-1280')
    await expectAccessible(page, 'the teams page')

    const team = teams[0]!
    await goto(page, `/teams/${team.id}`)
    const teamPage = byTestId(page, 'team-page')
    await visible(teamPage)
    await containsText(page.getByRole('heading', { level: 1 }), team.name)
    for (const section of [/DORA/, /SLOs/, /Incidents/]) await visible(teamPage.getByRole('heading', { level: 2, name: section }))
    // Its DORA keys are the team's (beside the organisation's), from the API for scope team:<id>.
    await expectDoraTableMatches(teamPage.locator('[data-testid="dora-table"]'), [`team:${team.id}`, 'org'])
    // Its SLOs: those of the team's services.
    const teamSlos = await server.api<SlosResponse>(`/api/slos?scope=team:${team.id}`)
    await count(teamPage.locator('[data-testid="slo-card"]'), teamSlos.slos.length)
    await screenshot(page, 'team-1280')
    await expectAccessible(page, 'a team page')
  })

  it('SLOs: one card per SLO with its attainment, budget burn-down and alert state', async () => {
    const page = await open(DESKTOP)
    const slos = await server.api<SlosResponse>('/api/slos')
    await goto(page, '/slos')
    const cards = byTestId(page, 'slo-card')
    await count(cards, slos.slos.length)
    expect((await cards.evaluateAll((c) => c.map((e) => e.getAttribute('data-slo')))).sort()).toEqual(slos.slos.map((s) => s.id).sort())
    for (const slo of slos.slos) {
      const card = page.locator(`[data-testid="slo-card"][data-slo="${slo.id}"]`)
      await containsText(card, slo.name)
      await visible(card.locator('[data-testid="slo-alert"]'))
      await containsText(card.locator('[data-testid="slo-alert"]'), new RegExp(slo.alert.replace('-', '.'), 'i'))
      await visible(card.locator('[data-testid="burn-down"]'))
      expect(await card.getAttribute('data-alert')).toBe(slo.alert)
      await containsText(card.locator('[data-testid="slo-attainment"]'), formatAttainment(slo.current.attainment, slo.objective.target))
      await containsText(card.locator('[data-testid="slo-budget"]'), formatBudgetRemaining(slo.current.budgetRemaining))
    }
    await screenshot(page, 'slos-1280')
    await expectAccessible(page, 'the SLO page')
  })

  it('sources: freshness per source, and a CSV import error shown on its row with nothing stored', async () => {
    const page = await open(DESKTOP)
    await goto(page, '/sources')
    await visible(byTestId(page, 'freshness-table'))
    await visible(byTestId(page, 'measurement-form'))
    await screenshot(page, 'sources-1280')
    await expectAccessible(page, 'the sources page')

    const before = await server.api<Static<typeof MeasurementList>>('/api/measurements?limit=1')
    const importer = byTestId(page, 'csv-import')
    await visible(importer)
    await importer.locator('[data-testid="import-kind"]').selectOption('hiring')
    // Line 1 is the header, line 3 is wrong (planned must be a number).
    const csv = 'period,planned,hired\n2026-01,3,2\n2026-02,three,1\n2026-03,4,4\n'
    await importer.locator('input[type="file"]').setInputFiles({ name: 'hiring.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    const answer = page.waitForResponse((res) => res.url().includes('/api/import/'))
    await importer.getByRole('button', { name: 'Import' }).click()
    expect((await answer).status()).toBe(400)
    const errors = importer.locator('[data-testid="import-error"]')
    await visible(errors)
    expect(await errors.evaluateAll((e) => [...new Set(e.map((x) => x.getAttribute('data-line')))])).toEqual(['3'])
    await containsText(importer.locator('[data-testid="import-error"][data-line="3"]'), /planned/i)
    await count(byTestId(page, 'import-result'), 0)
    const after = await server.api<Static<typeof MeasurementList>>('/api/measurements?limit=1')
    expect(after.total, 'nothing is stored from a file with an error').toBe(before.total)
    expectProblem(page, /\/api\/import\/.*|status of 400/)
    await screenshot(page, 'sources-import-error-1280')
    await expectAccessible(page, 'the sources page showing an import error')
  })

  it('snapshots: take two with commentary, see the report, list them, download every format, compare', async () => {
    const page = await open(DESKTOP)
    const month = (back: number) => {
      const d = new Date()
      const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1))
      return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`
    }
    const commentary = 'Delivery held steady; one revert in payments.'
    const taken: string[] = []
    for (const [period, text] of [[month(2), 'The month before.'], [month(1), commentary]] as const) {
      await goto(page, '/snapshots')
      const form = byTestId(page, 'snapshot-form')
      await visible(form)
      await form.locator('input[name="period"]').fill(period)
      await form.locator('textarea[name="commentary"]').fill(text)
      const answer = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/snapshots' && res.request().method() === 'POST')
      await form.locator('button[type="submit"]').click()
      const res = await answer
      expect(res.status()).toBe(201)
      const id = ((await res.json()) as { snapshot: { id: string } }).snapshot.id
      taken.push(id)
      // Taking one opens its report: the commentary and the frozen document's board KPIs.
      await page.waitForURL((url) => url.pathname === `/snapshots/${id}`, { timeout: UI_TIMEOUT })
      const report = byTestId(page, 'snapshot-report')
      await visible(report)
      await containsText(report, text)
      const doc = await server.api<{ document: { kpis: { kpi: { board: boolean } }[] } }>(`/api/snapshots/${id}`)
      await count(byTestId(page, 'snapshot-board').first().locator('tbody tr'), Math.min(13, doc.document.kpis.filter((k) => k.kpi.board).length))
    }
    await screenshot(page, 'snapshot-report-1280')
    await expectAccessible(page, 'a snapshot report')

    await goto(page, '/snapshots')
    const listed = await server.api<{ total: number; snapshots: { id: string }[] }>('/api/snapshots')
    expect(listed.snapshots.map((s) => s.id).slice(0, 2)).toEqual([taken[1], taken[0]])
    const rows = byTestId(page, 'snapshot-list').locator('tbody tr')
    await count(rows, listed.total)

    // Every download link of the newest answers with its format.
    const hrefs = await rows.first().locator('a.download').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))
    const formatOf = (href: string) => new URL(href, server.url).pathname.replace(/^.*\./, '')
    expect(hrefs.map(formatOf)).toEqual(['pdf', 'csv', 'md', 'json'])
    for (const href of hrefs) {
      const res = await fetch(new URL(href, server.url))
      expect(res.status, href).toBe(200)
      const body = Buffer.from(await res.arrayBuffer())
      if (formatOf(href) === 'pdf') expect(body.subarray(0, 5).toString()).toBe('%PDF-')
      if (formatOf(href) === 'json') expect((JSON.parse(body.toString()) as { commentary: string }).commentary).toBe(commentary)
    }

    // Compare the two: one row per KPI both hold, as the API compares them.
    const comparison = await server.api<{ kpis: unknown[] }>(`/api/snapshots/compare?a=${taken[0]}&b=${taken[1]}`)
    await rows.nth(0).locator('input[type="checkbox"]').check()
    await rows.nth(1).locator('input[type="checkbox"]').check()
    await page.getByRole('button', { name: 'Compare the two selected' }).click()
    await count(byTestId(page, 'snapshot-compare').locator('tbody tr'), comparison.kpis.length)
    await screenshot(page, 'snapshots-1280')
    await expectAccessible(page, 'the snapshots page')
  })

  describe.each([
    ['1280', DESKTOP],
    ['390', PHONE],
  ] as const)('every view at %s px: accessible and screenshotted', (name, viewport) => {
    it('has no serious or critical axe-core violation and no console error', async () => {
      const { teams } = await server.api<TeamsResponse>('/api/teams')
      const views: [string, string, string][] = [
        ['overview', '/', 'kpi-tile'],
        ['kpi', '/kpis/dora.lead_time', 'trend-chart'],
        ['teams', '/teams', 'dora-table'],
        ['team', `/teams/${teams[0]!.id}`, 'team-page'],
        ['slos', '/slos', 'slo-card'],
        ['sources', '/sources', 'freshness-table'],
        ['snapshots', '/snapshots', 'snapshot-form'],
      ]
      const page = await open(viewport)
      const failures: string[] = []
      for (const [view, path, ready] of views) {
        await goto(page, path)
        await byTestId(page, ready).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT })
        await page.waitForLoadState('networkidle')
        // Nothing wider than the viewport: no sideways scrolling on a phone.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
        if (overflow > 1) failures.push(`${view}: page is ${overflow}px wider than the ${viewport.width}px viewport; widest: ${(await widestElements(page)).join(', ')}`)
        // Charts are images with a name (a screen reader cannot see a canvas or an SVG drawing).
        const unnamed = await page.locator('canvas, svg[role="img"]').evaluateAll((els) =>
          els.filter((e) => e.getAttribute('aria-hidden') !== 'true' && !e.getAttribute('aria-label')?.trim() && !e.getAttribute('aria-labelledby')).length,
        )
        if (unnamed > 0) failures.push(`${view}: ${unnamed} chart(s) without an aria-label`)
        await screenshot(page, `${view}-${name}`)
        for (const v of await seriousAxeViolations(page)) failures.push(`${view}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`)
      }
      expect(failures).toEqual([])
    })
  })
})
