import { describe, expect, it } from 'vitest'
import { deploymentProblems, fieldPath, incidentProblems, schemaProblems, sliProblems } from '../../server/ingest/validate.ts'

describe('ingest validation', () => {
  it.each([
    ['/items/3/status', undefined, 'items[3].status'],
    ['/items/0', 'sha', 'items[0].sha'],
    ['', 'items', 'items'],
    ['', undefined, 'body'],
    ['/items/2/pull_requests/1', undefined, 'items[2].pull_requests[1]'],
  ])('names %j + %j as %s', (pointer, child, field) => expect(fieldPath(pointer, child)).toBe(field))

  it('turns schema errors into one problem per field', () => {
    expect(
      schemaProblems([
        { instancePath: '/items/1', keyword: 'required', params: { missingProperty: 'sha' }, message: "must have required property 'sha'" },
        { instancePath: '/items/2/status', keyword: 'enum', params: { allowedValues: ['success', 'failure'] }, message: 'must be equal to one of the allowed values' },
        { instancePath: '/items/2/status', keyword: 'enum', params: { allowedValues: ['success', 'failure'] }, message: 'must be equal to one of the allowed values' },
        { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'foo' }, message: 'must NOT have additional properties' },
      ]),
    ).toEqual([
      { field: 'items[1].sha', message: 'is required' },
      { field: 'items[2].status', message: 'must be one of success, failure' },
      { field: 'foo', message: 'is not a known field' },
    ])
  })

  it('checks what the schema cannot, on any body shape', () => {
    expect(deploymentProblems(null)).toEqual([])
    expect(deploymentProblems({ items: 'x' })).toEqual([])
    expect(deploymentProblems({ items: [{ id: 'a', repo: 'acme/x', started_at: '2026-01-01T10:00:00Z', finished_at: '2026-01-01T10:00:00Z' }] })).toEqual([])
    expect(incidentProblems({ items: [{ id: 'a', started_at: '2026-01-01T10:00:00Z', resolved_at: '2026-01-01T09:59:59Z', team: 'ghost' }] }, ['payments'])).toEqual([
      { field: 'items[0].resolved_at', message: 'must not be before started_at' },
      { field: 'items[0].team', message: 'names no configured team (known: payments)' },
    ])
    expect(sliProblems({ items: [{ slo_id: 's', interval_start: '2026-01-01T10:00:00Z', interval_end: '2026-01-01T11:00:00Z', good: 5, total: 5 }, { slo_id: 's', interval_start: '2026-01-01T10:00:00Z', interval_end: '2026-01-01T11:00:00Z', good: 6, total: 5 }] })).toEqual([
      { field: 'items[1].good', message: 'must not exceed total' },
      { field: 'items[1].interval_start', message: 'repeats items[0].interval_start: each interval_start may appear once per batch' },
    ])
  })
})
