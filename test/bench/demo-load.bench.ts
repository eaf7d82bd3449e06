import { loadDemo } from '../../collectors/demo/load-demo.ts'
import { createTestDatabase, type Backend } from '../support/databases.ts'
import type { Benchmark } from './benchmark.ts'

const NOW = new Date('2026-11-01T00:00:00Z')

async function measure(backend: Backend, scale: 'small' | 'large') {
  const db = await createTestDatabase(backend)
  try {
    const r = await loadDemo(db.db, { seed: 42, scale, now: NOW })
    return r
  } finally {
    await db.drop()
  }
}

const bench: Benchmark = {
  name: 'demo-load',
  method:
    'loadDemo(seed 42, now 2026-11-01) into a fresh migrated database through the collectors\' upsert helpers; ' +
    'small scale on in-memory PGlite and on PostgreSQL 15 (127.0.0.1, same machine); with --large also the large scale on PostgreSQL. One run each.',
  async run({ large }) {
    const metrics: Record<string, number | string> = {}
    for (const backend of ['pglite', 'postgres'] as const) {
      const r = await measure(backend, 'small')
      metrics[`small on ${backend}: rows`] = r.rows
      metrics[`small on ${backend}: seconds`] = r.seconds
      metrics[`small on ${backend}: rows/s`] = Math.round(r.rowsPerSecond)
    }
    if (large) {
      const r = await measure('postgres', 'large')
      metrics['large on postgres: rows'] = r.rows
      metrics['large on postgres: pull requests'] = r.counts.pull_request ?? 0
      metrics['large on postgres: deployments'] = r.counts.deployment ?? 0
      metrics['large on postgres: incidents'] = r.counts.incident ?? 0
      metrics['large on postgres: seconds'] = r.seconds
      metrics['large on postgres: rows/s'] = Math.round(r.rowsPerSecond)
    }
    return { metrics, notes: large ? undefined : 'large scale skipped (pass --large)' }
  },
}
export default bench
