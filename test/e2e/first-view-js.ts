import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

/** The budget for the JavaScript the first view loads, gzip-compressed. */
export const FIRST_VIEW_BUDGET_BYTES = 250 * 1024

// `<script type="module" src>` and `<link rel="modulepreload" href>` in the built index.html.
const ENTRY_TAGS = /<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g
// A static import in a minified chunk: `import{a as b}from"./x.js"`, `import"./x.js"`,
// `export{…}from"./x.js"`. Dynamic `import("./x.js")` (the lazy routes) has a parenthesis and does not match.
const STATIC_IMPORT = /(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+\.js)["']/g

export interface ChunkSize {
  file: string
  bytes: number
  gzipBytes: number
}

/** gzip at the level servers and CDNs use by default. */
export const gzipSize = (content: Buffer) => gzipSync(content, { level: 9 }).length

/**
 * The JavaScript a browser must load before the first view renders: the entry chunk(s) named in
 * index.html and everything they import statically, transitively — each file once.
 */
export function firstViewChunks(distDir: string): ChunkSize[] {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8')
  const queue = [...html.matchAll(ENTRY_TAGS)].map((m) => m[1]!.replace(/^\//, ''))
  if (queue.length === 0) throw new Error(`no module script in ${distDir}/index.html`)
  const seen = new Set<string>()
  const chunks: ChunkSize[] = []
  while (queue.length > 0) {
    const file = queue.shift()!
    if (seen.has(file)) continue
    seen.add(file)
    const path = join(distDir, file)
    if (!existsSync(path)) throw new Error(`${file} is referenced but not in ${distDir}`)
    const content = readFileSync(path)
    chunks.push({ file, bytes: content.length, gzipBytes: gzipSize(content) })
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : ''
    for (const m of content.toString('utf8').matchAll(STATIC_IMPORT)) {
      const spec = m[1]!
      if (spec.startsWith('/')) queue.push(spec.slice(1))
      else if (spec.startsWith('./')) queue.push(dir + spec.slice(2))
      else if (spec.startsWith('../')) queue.push(join(dir, spec).replace(/\\/g, '/'))
    }
  }
  return chunks
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
