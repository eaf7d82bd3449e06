import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/**
 * Debian's Chromium: the browser tests never download one (playwright-core ships none), so CI and
 * a developer machine run the same binary from the distribution.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

export const DESKTOP = { width: 1280, height: 800 } as const
export const PHONE = { width: 390, height: 844 } as const
export type Viewport = { width: number; height: number }

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Screenshots of every view land here (git-ignored). */
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots')

// Functions passed to page.evaluate run in the browser; the project compiles without the DOM library.
declare const window: object
declare const document: unknown

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
let axeSource: string | undefined

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true })
}

/**
 * A page that remembers every console error, uncaught exception and failed request, so a test can
 * assert none happened: a view that logs an error is broken even when it looks right.
 */
export interface WatchedPage {
  page: Page
  context: BrowserContext
  /** Console errors, page errors and requests that failed or answered ≥ 400, in order. */
  problems: string[]
  close(): Promise<void>
}

export async function openPage(browser: Browser, viewport: Viewport = DESKTOP): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-GB', reducedMotion: 'reduce' })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error on ${page.url()}: ${msg.text()}`)
  })
  page.on('pageerror', (err) => problems.push(`uncaught on ${page.url()}: ${err.message}`))
  page.on('requestfailed', (req) => {
    // A request the page itself abandoned (navigating away, a superseded query) is not a failure.
    const why = req.failure()?.errorText ?? ''
    if (!/ERR_ABORTED|NS_BINDING_ABORTED/.test(why)) problems.push(`request failed: ${req.method()} ${req.url()} — ${why}`)
  })
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`)
  })
  return { page, context, problems, close: () => context.close() }
}

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

/** Runs axe-core in the page and returns the serious and critical violations (each with up to 5 offending selectors). */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated rather than added as a <script>: the app's Content-Security-Policy rightly refuses
  // inline scripts, and the test must not weaken it (bypassCSP would hide the app's own violations).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate((axeSource ??= readFileSync(AXE, 'utf8')))
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))
  })
}

/** Saves a full-page screenshot as test-output/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, animations: 'disabled' })
}
