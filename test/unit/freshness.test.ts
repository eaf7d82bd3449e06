import { describe, expect, it } from 'vitest'
import { freshness } from '../../server/sync/freshness.ts'

const now = new Date('2026-11-22T12:00:00Z')
const at = (iso: string) => new Date(iso)

describe('freshness', () => {
  it.each([
    ['never ran', { lastStartedAt: null, lastSuccessAt: null, lastErrorAt: null }, 'never'],
    ['succeeded 5 h 59 min ago', { lastStartedAt: at('2026-11-22T06:00:00Z'), lastSuccessAt: at('2026-11-22T06:01:00Z'), lastErrorAt: null }, 'fresh'],
    ['succeeded 6 h 1 min ago', { lastStartedAt: at('2026-11-22T05:58:00Z'), lastSuccessAt: at('2026-11-22T05:59:00Z'), lastErrorAt: null }, 'stale'],
    ['failed after its last success', { lastStartedAt: at('2026-11-22T11:00:00Z'), lastSuccessAt: at('2026-11-22T10:00:00Z'), lastErrorAt: at('2026-11-22T11:01:00Z') }, 'error'],
    ['recovered after an error', { lastStartedAt: at('2026-11-22T11:00:00Z'), lastSuccessAt: at('2026-11-22T11:05:00Z'), lastErrorAt: at('2026-11-22T10:00:00Z') }, 'fresh'],
    ['running now', { lastStartedAt: at('2026-11-22T11:59:00Z'), lastSuccessAt: at('2026-11-22T11:00:00Z'), lastErrorAt: null }, 'running'],
    ['started 7 h ago and never finished', { lastStartedAt: at('2026-11-22T05:00:00Z'), lastSuccessAt: null, lastErrorAt: null }, 'never'],
  ] as const)('%s → %s', (_label, times, expected) => {
    expect(freshness({ source: 'github', ...times }, now)).toBe(expected)
  })

  it('never calls demo data stale', () => {
    expect(freshness({ source: 'demo', lastStartedAt: null, lastSuccessAt: at('2025-01-01T00:00:00Z'), lastErrorAt: null }, now)).toBe('fresh')
  })
})
