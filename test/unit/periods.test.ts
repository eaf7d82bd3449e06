import { describe, expect, it } from 'vitest'
import { localMidnight, parsePeriodLabel, periodContaining, periodsBetween, periodsEndingAt, shiftPeriod } from '../../server/metrics/periods.ts'

const iso = (d: Date) => d.toISOString()

describe('periods in a time zone', () => {
  it.each([
    // [kind, instant, zone, start, end, label]
    ['week', '2026-10-14T12:00:00Z', 'UTC', '2026-10-12T00:00:00.000Z', '2026-10-19T00:00:00.000Z', '2026-W42'],
    // Sunday 23:59 belongs to the week that started the Monday before; Monday 00:00 starts the next.
    ['week', '2026-10-18T23:59:59Z', 'UTC', '2026-10-12T00:00:00.000Z', '2026-10-19T00:00:00.000Z', '2026-W42'],
    ['week', '2026-10-19T00:00:00Z', 'UTC', '2026-10-19T00:00:00.000Z', '2026-10-26T00:00:00.000Z', '2026-W43'],
    // 1 January 2027 is a Friday: its ISO week is 2026-W53, starting Monday 28 December 2026.
    ['week', '2027-01-01T10:00:00Z', 'UTC', '2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z', '2026-W53'],
    ['month', '2026-10-31T23:30:00Z', 'UTC', '2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-10'],
    // 23:30 UTC on 31 October is already 1 November in Berlin (UTC+1 after the DST change on 25 October).
    ['month', '2026-10-31T23:30:00Z', 'Europe/Berlin', '2026-10-31T23:00:00.000Z', '2026-11-30T23:00:00.000Z', '2026-11'],
    // October in Berlin starts at UTC+2 and ends at UTC+1.
    ['month', '2026-10-15T12:00:00Z', 'Europe/Berlin', '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z', '2026-10'],
    ['quarter', '2026-08-20T00:00:00Z', 'UTC', '2026-07-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z', '2026-Q3'],
    ['quarter', '2026-10-01T03:00:00Z', 'America/New_York', '2026-07-01T04:00:00.000Z', '2026-10-01T04:00:00.000Z', '2026-Q3'],
  ] as const)('%s containing %s in %s is [%s, %s) %s', (kind, at, zone, start, end, label) => {
    const p = periodContaining(kind, new Date(at), zone)
    expect([iso(p.start), iso(p.end), p.label]).toEqual([start, end, label])
  })

  it('parses labels back to the same periods', () => {
    for (const [label, zone, start] of [
      ['2026-10', 'Europe/Berlin', '2026-09-30T22:00:00.000Z'],
      ['2026-Q1', 'UTC', '2026-01-01T00:00:00.000Z'],
      ['2026-W01', 'UTC', '2025-12-29T00:00:00.000Z'],
      ['2026-W53', 'UTC', '2026-12-28T00:00:00.000Z'],
    ] as const) {
      const p = parsePeriodLabel(label, zone)!
      expect([p.label, iso(p.start)]).toEqual([label, start])
    }
    // 2025 has 52 ISO weeks.
    expect(parsePeriodLabel('2025-W53', 'UTC')).toBeNull()
    expect(parsePeriodLabel('2026-13', 'UTC')).toBeNull()
    expect(parsePeriodLabel('2026-Q5', 'UTC')).toBeNull()
  })

  it('steps across years and lists ranges oldest first', () => {
    const jan = periodContaining('month', new Date('2026-01-10T00:00:00Z'), 'UTC')
    expect(shiftPeriod(jan, -1, 'UTC').label).toBe('2025-12')
    expect(periodsEndingAt('quarter', new Date('2026-02-01T00:00:00Z'), 3, 'UTC').map((p) => p.label)).toEqual(['2025-Q3', '2025-Q4', '2026-Q1'])
    expect(periodsBetween('month', new Date('2026-01-01T00:00:00Z'), new Date('2026-04-01T00:00:00Z'), 'UTC').map((p) => p.label)).toEqual(['2026-01', '2026-02', '2026-03'])
    // `to` is exclusive: a range ending exactly at a period start does not include that period.
    expect(periodsBetween('week', new Date('2026-10-12T00:00:00Z'), new Date('2026-10-26T00:00:00Z'), 'UTC').map((p) => p.label)).toEqual(['2026-W42', '2026-W43'])
  })

  it('finds local midnight on days with a DST change', () => {
    // Berlin moves to summer time at 02:00 on 29 March 2026; midnight is still UTC+1.
    expect(iso(localMidnight({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin'))).toBe('2026-03-28T23:00:00.000Z')
    expect(iso(localMidnight({ year: 2026, month: 3, day: 30 }, 'Europe/Berlin'))).toBe('2026-03-29T22:00:00.000Z')
    // In Santiago, clocks jump from 00:00 to 01:00 on 6 September 2026: the day starts at 01:00 local (04:00 UTC).
    expect(iso(localMidnight({ year: 2026, month: 9, day: 6 }, 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z')
  })
})
