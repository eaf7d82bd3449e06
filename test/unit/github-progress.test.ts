import { describe, expect, it } from 'vitest'
import { createProgressRenderer, describeProgress, formatDuration, progressBar, type ProgressEvent } from '../../collectors/shared/progress.ts'

const event = (done: number, rows = 120, etaSeconds: number | null = 95): ProgressEvent => ({ repo: 'acme/api', resource: 'pull_requests', rows, done, total: 8, etaSeconds })

function sink(isTTY: boolean, columns?: number) {
  const out: string[] = []
  return { out, stream: { isTTY, columns, write: (t: string) => out.push(t) } }
}

describe('progress output', () => {
  it.each([
    [0, '0s'],
    [42.4, '42s'],
    [185, '3m05s'],
    [3_725, '1h02m'],
  ])('%f seconds read %s', (s, text) => {
    expect(formatDuration(s)).toBe(text)
  })

  it.each([
    [0, '[----------]'],
    [0.5, '[#####-----]'],
    [1, '[##########]'],
    [Number.NaN, '[----------]'],
  ])('a bar at %f is %s', (f, bar) => {
    expect(progressBar(f, 10)).toBe(bar)
  })

  it('describes an event', () => {
    expect(describeProgress(event(3))).toBe('3/8 acme/api pull_requests 120 rows · eta 1m35s')
    expect(describeProgress(event(0, 0, null))).toBe('0/8 acme/api pull_requests 0 rows')
  })

  it('redraws one line on a terminal, cut to its width, and clears it at the end', () => {
    const { out, stream } = sink(true, 40)
    const r = createProgressRenderer(stream)
    r.update(event(2))
    r.update(event(4))
    r.finish('github: 52 requests')
    expect(out[0]).toBe(`\r${'[#####---------------] 2/8 acme/api pull_requests 120 rows · eta 1m35s'.slice(0, 39)}\x1b[K`)
    expect(out[1]!.startsWith('\r[##########----------] 4/8')).toBe(true)
    expect(out.slice(2)).toEqual(['\r\x1b[K', 'github: 52 requests\n'])
  })

  it('writes plain lines elsewhere: when a unit finishes, else at most every few seconds', () => {
    let now = 0
    const { out, stream } = sink(false)
    const r = createProgressRenderer(stream, { now: () => now, plainEverySeconds: 10 })
    r.update(event(1, 10))
    r.update(event(1, 20))
    now = 11_000
    r.update(event(1, 30))
    r.update(event(2, 30))
    r.finish()
    expect(out).toEqual(['1/8 acme/api pull_requests 10 rows · eta 1m35s\n', '1/8 acme/api pull_requests 30 rows · eta 1m35s\n', '2/8 acme/api pull_requests 30 rows · eta 1m35s\n'])
  })
})
