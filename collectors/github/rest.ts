import { createHash } from 'node:crypto'
import { type Octokit, RequestError } from 'octokit'

/** One REST page: its data and ETag, or `notModified` when GitHub answered 304 to our ETag. */
export type RestPage<T> =
  | { notModified: false; data: T; etag: string | null; next: string | null; url: string }
  | { notModified: true; data: undefined; etag: string; next: null; url: string }

/** The ETags of a resource's last run, keyed by hash(credentials + URL) so a new token never reuses them. */
export type EtagMap = Record<string, string>

export function etagKey(credentialKey: string, url: string): string {
  return createHash('sha256').update(`${credentialKey} ${url}`).digest('hex').slice(0, 24)
}

function nextLink(link: string | undefined): string | null {
  if (!link) return null
  const m = /<([^>]+)>;\s*rel="next"/.exec(link)
  return m?.[1] ?? null
}

/**
 * GET one page. With `etags`, sends If-None-Match for a URL seen before: a 304 costs no rate
 * limit and means the rows of that page are stored already. `url` may be a next-page link.
 */
export async function restPage<T>(
  octokit: Octokit,
  route: string,
  params: Record<string, unknown>,
  options: { etags?: { credential: string; known: EtagMap } } = {},
): Promise<RestPage<T>> {
  const endpoint = octokit.request.endpoint(route, params)
  const url = endpoint.url
  const key = options.etags ? etagKey(options.etags.credential, url) : null
  const known = key ? options.etags!.known[key] : undefined
  try {
    const res = await octokit.request(route, { ...params, headers: { ...(known ? { 'if-none-match': known } : {}) } })
    return { notModified: false, data: res.data as T, etag: (res.headers.etag as string | undefined) ?? null, next: nextLink(res.headers.link), url }
  } catch (err) {
    if (err instanceof RequestError && err.status === 304 && known) return { notModified: true, data: undefined, etag: known, next: null, url }
    throw err
  }
}

/** GET `url` (an absolute next-page link from a previous page). */
export function restNext<T>(octokit: Octokit, url: string, options: { etags?: { credential: string; known: EtagMap } } = {}): Promise<RestPage<T>> {
  return restPage<T>(octokit, `GET ${url}`, {}, options)
}

/** The HTTP status of a failed request, or undefined for other errors. */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof RequestError) return err.status
  const status = (err as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}
