/** Where a collector is: the unit (repository × resource) it works on and the whole run's progress. */
export interface ProgressEvent {
  /** The repository (owner/name) or other scope being worked on. */
  repo: string
  /** The dataset, e.g. `pull_requests`. */
  resource: string
  /** Rows stored so far for this repository and resource. */
  rows: number
  /** Units (repository × resource) finished in this run. */
  done: number
  /** Units planned in this run. */
  total: number
  /** Seconds left at the pace so far; null until a unit has finished. */
  etaSeconds: number | null
}

export type ProgressListener = (event: ProgressEvent) => void

/** The output a renderer writes to: a TTY gets a redrawn bar, anything else plain lines. */
export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressRenderer {
  /** Pass as `onProgress`. */
  update: ProgressListener
  /** Ends the bar (TTY) and prints `summary` on its own line when given. */
  finish(summary?: string): void
}

/** "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${s}s`
}

/** The text of one progress line, without the bar. */
export function describeProgress(e: ProgressEvent): string {
  const eta = e.etaSeconds === null ? '' : ` · eta ${formatDuration(e.etaSeconds)}`
  return `${e.done}/${e.total} ${e.repo} ${e.resource} ${e.rows} rows${eta}`
}

/** `[#####-----]` for a fraction 0–1 in `width` cells. */
export function progressBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0))
  const full = Math.round(f * width)
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`
}

/**
 * Renders collector progress: on a TTY one line redrawn in place (a bar, counts and ETA), cut
 * to the terminal's width; elsewhere (logs, CI) a plain line when a unit finishes or at most
 * every `plainEverySeconds`.
 */
export function createProgressRenderer(
  stream: ProgressStream = process.stderr,
  options: { now?: () => number; plainEverySeconds?: number } = {},
): ProgressRenderer {
  const now = options.now ?? Date.now
  const every = (options.plainEverySeconds ?? 10) * 1000
  let drawn = false
  let lastDone = -1
  let lastPlain = -Infinity
  return {
    update(e) {
      if (stream.isTTY) {
        const columns = stream.columns ?? 80
        const line = `${progressBar(e.total === 0 ? 1 : e.done / e.total, 20)} ${describeProgress(e)}`
        stream.write(`\r${line.slice(0, Math.max(10, columns - 1))}\x1b[K`)
        drawn = true
        return
      }
      const t = now()
      if (e.done === lastDone && t - lastPlain < every) return
      lastDone = e.done
      lastPlain = t
      stream.write(`${describeProgress(e)}\n`)
    },
    finish(summary) {
      if (drawn) stream.write('\r\x1b[K')
      drawn = false
      if (summary) stream.write(`${summary}\n`)
    },
  }
}
