import type { Me } from '../../../server/routes/auth.schema.ts'
import type { ErrorResponse, OrgResponse, SyncResponse, TeamsResponse } from '../../../server/routes/org.schema.ts'

export type { OrgResponse, SyncEntry, SyncResponse, Team, TeamsResponse } from '../../../server/routes/org.schema.ts'
export type { Me } from '../../../server/routes/auth.schema.ts'

/**
 * A failed API call: the server's `{ error: { code, message } }`, or code `network` when no
 * response arrived. `status` is the HTTP status, null without a response.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'

  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null = null,
    readonly requestId?: string,
    /** The server's `error.details`: `[{ field, message }]` for a bad body, `[{ line, column, message }]` for a CSV. */
    readonly details?: unknown,
  ) {
    super(message)
  }
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  const error = (body as Partial<ErrorResponse> | null)?.error
  return typeof error?.code === 'string' && typeof error.message === 'string'
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, signal })
  } catch (err) {
    if (signal?.aborted) throw err
    throw new ApiError('network', 'The server could not be reached; check that Meridian is running.')
  }
  const body: unknown = await res.json().catch(() => undefined)
  if (!res.ok) {
    if (isErrorResponse(body)) throw new ApiError(body.error.code, body.error.message, res.status, body.error.requestId, body.error.details)
    throw new ApiError(`http_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim(), res.status)
  }
  if (body === undefined) throw new ApiError('invalid_response', `${path} did not return JSON`, res.status)
  return body as T
}

/** GET `path` with query parameters. */
export function getJsonWithParams<T>(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<T> {
  const qs = new URLSearchParams(params).toString()
  return getJson<T>(qs ? `${path}?${qs}` : path, signal)
}

/** The organisation, its configured sources, auth mode and whether demo data is loaded. */
export const getOrg = (signal?: AbortSignal) => getJson<OrgResponse>('/api/org', signal)

/** Teams with the repositories and services they own. */
export const getTeams = (signal?: AbortSignal) => getJson<TeamsResponse>('/api/teams', signal)

/** Freshness and last error per source and scope, and row counts per table. */
export const getSync = (signal?: AbortSignal) => getJson<SyncResponse>('/api/sync', signal)

/** Who is signed in, the sign-in mode, and the CSRF token writes must echo. */
export const getMe = (signal?: AbortSignal) => getJson<Me>('/api/me', signal)

let csrfToken: string | null = null
/** Remembers the session's CSRF token (from getMe) for later writes. */
export function useCsrfToken(token: string | null): void {
  csrfToken = token
}

/** Sends a JSON write with the session's CSRF token; errors as getJson's. */
export function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return send<T>(method, path, body === undefined ? undefined : { type: 'application/json', text: JSON.stringify(body) })
}

/** POSTs a CSV file as text/csv with the session's CSRF token; errors as getJson's (a bad file's problems in `details`). */
export function sendCsv<T>(path: string, csv: string): Promise<T> {
  return send<T>('POST', path, { type: 'text/csv; charset=utf-8', text: csv })
}

async function send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: { type: string; text: string }): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body && { 'content-type': body.type }), ...(csrfToken && { 'x-csrf-token': csrfToken }) },
      body: body?.text,
    })
  } catch {
    throw new ApiError('network', 'The server could not be reached; check that Meridian is running.')
  }
  const answer: unknown = await res.json().catch(() => undefined)
  if (!res.ok) {
    if (isErrorResponse(answer)) throw new ApiError(answer.error.code, answer.error.message, res.status, answer.error.requestId, answer.error.details)
    throw new ApiError(`http_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim(), res.status)
  }
  return answer as T
}
