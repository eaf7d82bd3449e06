import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const WEB_DIST = join(ROOT, 'web', 'dist')
/** What the build reads: a change to any of these makes web/dist out of date. */
const INPUTS = ['web/src', 'web/public', 'web/index.html', 'web/vite.config.ts'].map((p) => join(ROOT, p))
// Two test forks may both want a build (the browser tests and the bundle-size check): a directory
// is created atomically, so exactly one builds while the other waits and then finds it fresh.
const LOCK = join(ROOT, 'test-output', '.web-build.lock')
const STALE_LOCK_MS = 3 * 60_000

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), st.mtimeMs)
}

/** web/dist is missing or older than a file it is built from. */
export function webBuildIsStale(): boolean {
  const index = join(WEB_DIST, 'index.html')
  if (!existsSync(index)) return true
  return Math.max(...INPUTS.map(newestMtime)) > statSync(index).mtimeMs
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Builds the dashboard (`vite build`, as `npm run build:web`) when web/dist is missing or older
 * than its sources, so a local `npm test` tests what is in the checkout; CI builds first and this
 * is then a no-op. Returns web/dist.
 */
export async function ensureWebBuilt(): Promise<string> {
  if (!webBuildIsStale()) return WEB_DIST
  mkdirSync(join(ROOT, 'test-output'), { recursive: true })
  for (;;) {
    try {
      mkdirSync(LOCK)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      // A fork killed mid-build leaves its lock behind; it is not waited on forever.
      const held = statSync(LOCK, { throwIfNoEntry: false })
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true })
      await sleep(250)
    }
  }
  try {
    if (webBuildIsStale()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 110_000,
      })
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
  return WEB_DIST
}

/** Every asset index.html names is there: the build is whole, not caught halfway through. */
function isComplete(dir: string): boolean {
  const index = join(dir, 'index.html')
  if (!existsSync(index)) return false
  return [...readFileSync(index, 'utf8').matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].every((m) => existsSync(join(dir, m[1]!)))
}

/**
 * A private copy of the built dashboard, for a test server to serve: a rebuild of web/dist while
 * the browser tests run (someone running `npm run build:web` locally) would otherwise swap the
 * assets under the page. `remove()` deletes the copy.
 */
export async function snapshotWebBuild(): Promise<{ dir: string; remove(): void }> {
  for (let attempt = 1; ; attempt++) {
    const dist = await ensureWebBuilt()
    const dir = mkdtempSync(join(tmpdir(), 'meridian-web-'))
    try {
      cpSync(dist, dir, { recursive: true })
    } catch {
      // A build emptied web/dist while it was being copied; try again below.
    }
    if (isComplete(dir)) return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
    rmSync(dir, { recursive: true, force: true })
    if (attempt === 10) throw new Error(`${dist} stayed incomplete (index.html names assets that are missing)`)
    await sleep(1000)
  }
}
