/** A reference to an issue or pull request: `#N`, `owner/repo#N` or a github.com URL to one. */
export interface IssueRef {
  /** `owner/repo` when the reference names a repository (lower-case), else null: the same repository. */
  repo: string | null
  number: number
  /** Whether a closing keyword precedes it (`Fixes #N`, `closes #N`, `Resolves owner/repo#N`, …). */
  closing: boolean
}

const REPO = String.raw`[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+`
const SHORT_REF = String.raw`(?<![\w&#/])(?:(${REPO}))?#(\d+)\b`
const URL_REF = String.raw`https?:\/\/[^\s/]+\/(${REPO})\/(?:issues|pull)\/(\d+)\b`
const CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s*$/i
const ANY_REF = new RegExp(`${URL_REF}|${SHORT_REF}`, 'g')
const ROOT_CAUSE = /\broot[ _-]?cause\s*:\s*`?([0-9a-f]{7,40})(?![0-9a-z])/i
const CAUSED_BY = new RegExp(String.raw`\bcaused\s+by\s*:?\s*(?:${URL_REF}|${SHORT_REF})`, 'i')
const REVERTS = new RegExp(String.raw`\breverts\s+(?:${URL_REF}|${SHORT_REF})`, 'i')
const REVERT_TITLE = /^\s*Revert\s+"(.*)"\s*$/s

function refFrom(m: RegExpExecArray | RegExpMatchArray, text: string): IssueRef {
  const repo = m[1] ?? m[3] ?? null
  const number = Number(m[2] ?? m[4])
  const before = text.slice(Math.max(0, (m.index ?? 0) - 20), m.index ?? 0)
  return { repo: repo === null ? null : repo.toLowerCase(), number, closing: CLOSING.test(before) }
}

/**
 * Every issue or pull-request reference in a PR or issue body, in order of appearance and
 * without repeats: bare `#N`, `owner/repo#N`, keyword forms (`Fixes #N`) and github.com
 * `/issues/N` or `/pull/N` URLs. HTML entities (`&#39;`) and URL fragments are not references.
 */
export function parseIssueRefs(text: string | null | undefined): IssueRef[] {
  if (!text) return []
  const out: IssueRef[] = []
  for (const m of text.matchAll(ANY_REF)) {
    const ref = refFrom(m, text)
    const same = out.find((r) => r.repo === ref.repo && r.number === ref.number)
    if (same) same.closing ||= ref.closing
    else out.push(ref)
  }
  return out
}

/** The commit a `root cause: <sha>` line names (7–40 hex digits, any case), lower-cased; null when none. */
export function parseRootCauseSha(text: string | null | undefined): string | null {
  const m = text ? ROOT_CAUSE.exec(text) : null
  return m ? m[1]!.toLowerCase() : null
}

/** The pull request a `caused by #N` (or `caused by owner/repo#N`, or a PR URL) names; null when none. */
export function parseCausedBy(text: string | null | undefined): IssueRef | null {
  if (!text) return null
  const m = CAUSED_BY.exec(text)
  return m ? { ...refFrom(m, text), closing: false } : null
}

/** The pull request a `Reverts owner/repo#N` body names (GitHub's revert button writes it); null when none. */
export function parseRevertsRef(text: string | null | undefined): IssueRef | null {
  if (!text) return null
  const m = REVERTS.exec(text)
  return m ? { ...refFrom(m, text), closing: false } : null
}

/** The reverted title inside `Revert "…"` (GitHub's revert PR title), or null. */
export function revertedTitle(title: string | null | undefined): string | null {
  const m = title ? REVERT_TITLE.exec(title) : null
  return m ? m[1]! : null
}

/** Whether a pull request is a revert: its title is `Revert "…"` or its body says `Reverts owner/repo#N`. */
export function isRevert(pr: { title: string; body: string | null; revert_of_number?: number | null }): boolean {
  return pr.revert_of_number != null || revertedTitle(pr.title) !== null || parseRevertsRef(pr.body) !== null
}

/** Whether any of `labels` is one of `wanted`, compared case-insensitively. */
export function hasLabel(labels: readonly string[], wanted: readonly string[]): boolean {
  if (wanted.length === 0) return false
  const set = new Set(wanted.map((l) => l.toLowerCase()))
  return labels.some((l) => set.has(l.toLowerCase()))
}

/** The issue number at the end of an incident's reference, URL or external id (`owner/repo#12`, `…/issues/12`); null when none. */
export function issueNumberOf(...candidates: (string | null | undefined)[]): number | null {
  for (const c of candidates) {
    const m = c ? /(?:#|\/issues\/)(\d+)$/.exec(c.trim()) : null
    if (m) return Number(m[1])
  }
  return null
}
