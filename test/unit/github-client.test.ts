import { describe, expect, it } from 'vitest'
import { RequestError } from 'octokit'
import { API_VERSION, RequestMeter, createGitHubOctokit, credentialKey, meterOf } from '../../collectors/github/client.ts'
import { etagKey, restPage } from '../../collectors/github/rest.ts'
import { describeError } from '../../collectors/github/unit.ts'

const json = (body: string, status = 200, headers: Record<string, string> = {}) => new Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })

/** A fetch answering from a list of responses, recording the requests it got. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
  const calls: { url: string; headers: Record<string, string> }[] = []
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), headers: Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>)) })
    const next = answers.shift()
    if (!next) throw new Error('no more answers')
    return next()
  }) as typeof globalThis.fetch
  return { fetch, calls }
}

const gh = { baseUrl: 'https://github.example/api/v3', token: 'ghp_secret' }

describe('createGitHubOctokit', () => {
  it('retries a truncated JSON body and counts both attempts', async () => {
    const { fetch, calls } = scripted([() => json('{"full_name": "acme/a'), () => json('{"full_name": "acme/api"}', 200, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-resource': 'core' })])
    const octokit = createGitHubOctokit(gh, { fetch, timeScale: 0 })
    const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'api' })
    expect(data.full_name).toBe('acme/api')
    expect(calls).toHaveLength(2)
    expect(calls[0]!.url).toBe('https://github.example/api/v3/repos/acme/api')
    expect(calls[0]!.headers['x-github-api-version']).toBe(API_VERSION)
    expect(calls[0]!.headers.authorization).toBe('token ghp_secret')
    expect(meterOf(octokit)!.requests).toBe(2)
    expect(meterOf(octokit)!.rateLimitRemaining).toBe(4999)
  })

  it('retries 5xx answers several times, more than octokit’s defaults', async () => {
    const { fetch, calls } = scripted([...Array.from({ length: 4 }, () => () => json('{"message":"Server Error"}', 502)), () => json('{}')])
    const octokit = createGitHubOctokit(gh, { fetch, timeScale: 0 })
    await octokit.request('GET /rate_limit')
    expect(calls).toHaveLength(5)
  })

  it('waits out secondary limits and 429s, however many in a row', async () => {
    const secondary = () => json('{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}', 403, { 'retry-after': '1' })
    const tooMany = () => json('{"message":"Too many requests"}', 429, { 'retry-after': '2' })
    const { fetch, calls } = scripted([secondary, secondary, secondary, tooMany, tooMany, () => json('{}')])
    const octokit = createGitHubOctokit(gh, { fetch, timeScale: 0 })
    await octokit.request('GET /rate_limit')
    expect(calls).toHaveLength(6)
  })

  it('waits for the reset when the primary limit is spent', async () => {
    const reset = String(Math.ceil(Date.now() / 1000) + 1)
    const spent = () => json('{"message":"API rate limit exceeded for user ID 1."}', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset })
    const { fetch, calls } = scripted([spent, () => json('{}')])
    const octokit = createGitHubOctokit(gh, { fetch, timeScale: 0 })
    await octokit.request('GET /rate_limit')
    expect(calls).toHaveLength(2)
  })

  it('does not retry a plain 403 or 404', async () => {
    const { fetch, calls } = scripted([() => json('{"message":"Resource not accessible by personal access token"}', 403)])
    const octokit = createGitHubOctokit(gh, { fetch, timeScale: 0 })
    const err = await octokit.request('GET /repos/{owner}/{repo}/dependabot/alerts', { owner: 'acme', repo: 'api' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RequestError)
    expect(calls).toHaveLength(1)
    expect(describeError(err)).toMatch(/^HTTP 403: Resource not accessible by personal access token \(forbidden: /)
  })
})

describe('conditional requests', () => {
  it('sends the ETag seen before for the same credentials and URL, and turns a 304 into "not modified"', async () => {
    const { fetch, calls } = scripted([() => json('[{"number":1}]', 200, { etag: 'W/"v1"' }), () => new Response(null, { status: 304, headers: { etag: 'W/"v1"' } })])
    const octokit = createGitHubOctokit(gh, { fetch, timeScale: 0 })
    const credential = credentialKey(gh)
    const first = await restPage<{ number: number }[]>(octokit, 'GET /repos/{owner}/{repo}/dependabot/alerts', { owner: 'acme', repo: 'api', per_page: 100 }, { etags: { credential, known: {} } })
    expect(first.notModified).toBe(false)
    expect(first.etag).toBe('W/"v1"')
    const known = { [etagKey(credential, first.url)]: first.etag! }
    const second = await restPage(octokit, 'GET /repos/{owner}/{repo}/dependabot/alerts', { owner: 'acme', repo: 'api', per_page: 100 }, { etags: { credential, known } })
    expect(second.notModified).toBe(true)
    expect(calls[1]!.headers['if-none-match']).toBe('W/"v1"')
    expect(meterOf(octokit)!.notModified).toBe(1)
  })

  it('keys ETags by a hash of the credentials, never the token itself', () => {
    const a = credentialKey(gh)
    expect(a).not.toContain('ghp_secret')
    expect(credentialKey({ ...gh, token: 'ghp_other' })).not.toBe(a)
    expect(credentialKey({ baseUrl: gh.baseUrl, app: { appId: 1, privateKey: 'k', installationId: 2 } })).toMatch(/^[0-9a-f]{32}$/)
    expect(etagKey(a, 'https://x/1')).not.toBe(etagKey(credentialKey({ ...gh, token: 'ghp_other' }), 'https://x/1'))
  })

  it('tracks the smallest budget left across REST and GraphQL', () => {
    const m = new RequestMeter()
    expect(m.rateLimitRemaining).toBeNull()
    m.observe(200, new Headers({ 'x-ratelimit-remaining': '4000', 'x-ratelimit-resource': 'core', 'x-ratelimit-reset': '1' }))
    m.observe(200, new Headers({ 'x-ratelimit-remaining': '3000', 'x-ratelimit-resource': 'graphql', 'x-ratelimit-reset': '1' }))
    m.observe(304, new Headers({ 'x-ratelimit-remaining': '3990', 'x-ratelimit-resource': 'core', 'x-ratelimit-reset': '1' }))
    expect(m.rateLimitRemaining).toBe(3000)
    expect(m.notModified).toBe(1)
  })
})
