import { describe, expect, it } from 'vitest'
import { incidentFromOpsgenie, resolvedAtFromLogs } from '../../collectors/opsgenie/index.ts'
import { testConfig } from '../support/config.ts'

describe('Opsgenie', () => {
  const config = testConfig({ sources: { opsgenie: { token: 't' } } })
  it.each([
    ['P1', 'sev1'],
    ['P2', 'sev2'],
    ['P3', 'sev3'],
    ['P4', 'sev4'],
    ['P5', 'sev5'],
    ['P9', null],
  ])('priority %s → %s', (priority, severity) => {
    expect(incidentFromOpsgenie({ id: 'a', message: 'm', status: 'open', priority, createdAt: '2026-01-01T00:00:00Z' }, config, null).severity).toBe(severity)
  })

  it('takes the first resolved/closed log entry', () => {
    const logs = [
      { log: 'Incident closed by bob', createdAt: '2026-01-01T05:00:00Z' },
      { log: 'Incident created', createdAt: '2026-01-01T00:00:00Z' },
      { log: 'Incident resolved by alice', createdAt: '2026-01-01T02:00:00Z' },
    ]
    expect(resolvedAtFromLogs(logs)?.toISOString()).toBe('2026-01-01T02:00:00.000Z')
    expect(resolvedAtFromLogs([{ log: 'Incident created', createdAt: '2026-01-01T00:00:00Z' }])).toBeNull()
  })

  it('an open incident has no resolution even when one is passed', () => {
    expect(incidentFromOpsgenie({ id: 'a', message: 'm', status: 'open', createdAt: '2026-01-01T00:00:00Z' }, config, new Date()).resolved_at).toBeNull()
  })
})
