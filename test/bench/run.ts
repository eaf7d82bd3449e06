import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem, platform, arch } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { join } from 'node:path'
import type { Benchmark, BenchResult } from './benchmark.ts'

/*
 * `npm run bench [-- NAME…] [--large]`: runs test/bench/*.bench.ts (or the named ones) and
 * appends each result with the date, the machine and the method to BENCHMARKS.md.
 */

const here = fileURLToPath(new URL('.', import.meta.url))
const out = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url))

const args = process.argv.slice(2)
const flags = new Set(args.filter((a) => a.startsWith('--')))
const names = args.filter((a) => !a.startsWith('--'))

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => names.length === 0 || names.some((n) => f.startsWith(n)))
  .sort()
if (files.length === 0) {
  console.error(`no benchmark matches ${names.join(', ')}; available: ${readdirSync(here).filter((f) => f.endsWith('.bench.ts')).join(', ')}`)
  process.exit(2)
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${platform()} ${arch()}`

function section(b: Benchmark, r: BenchResult): string {
  const rows = Object.entries(r.metrics).map(([k, v]) => `| ${k} | ${typeof v === 'number' ? Number(v.toFixed(3)) : v} |`)
  return [
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${b.name}`,
    '',
    `- Machine: ${machine}`,
    `- Method: ${b.method}`,
    ...(r.notes ? [`- Notes: ${r.notes}`] : []),
    '',
    '| measure | value |',
    '| --- | --- |',
    ...rows,
    '',
    '',
  ].join('\n')
}

if (!existsSync(out)) {
  writeFileSync(out, '# Benchmarks\n\nAppended by `npm run bench` (see test/bench/). Newest last.\n\n')
}

let failed = false
for (const f of files) {
  const b = (await import(pathToFileURL(join(here, f)).href)).default as Benchmark
  console.error(`bench: ${b.name} …`)
  try {
    const r = await b.run({ large: flags.has('--large') })
    const text = section(b, r)
    appendFileSync(out, text)
    console.log(text)
  } catch (err) {
    failed = true
    console.error(`bench ${b.name} failed:`, err)
  }
}
process.exit(failed ? 1 : 0)
