import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const VITE_CONFIG = fileURLToPath(new URL('../web/vite.config.ts', import.meta.url))

/**
 * Builds the dashboard when it has not been built yet, so `npm ci && npm start` works on a fresh
 * checkout. Production images build it ahead of time (without Vite installed this is skipped).
 */
export async function ensureDashboardBuilt(webDir: string, log: (msg: string) => void): Promise<void> {
  if (existsSync(`${webDir}/index.html`)) return
  let vite: typeof import('vite')
  try {
    vite = await import('vite')
  } catch {
    log('the dashboard is not built and Vite is not installed: serving the API only')
    return
  }
  log('building the dashboard (first start only)…')
  await vite.build({ configFile: VITE_CONFIG, logLevel: 'warn', build: { outDir: webDir } })
}
