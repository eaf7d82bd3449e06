import { createHmac } from 'node:crypto'
import examples from '@octokit/webhooks-examples'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/app.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'

const SECRET = 'webhook-secret-for-tests'
const config = testConfig({
  teams: [{ id: 'octo', name: 'Octo', repos: ['Codertocat/*'] }],
  sources: { github: { token: 'ghp_fake_token', repos: ['Codertocat/*'], webhookSecret: SECRET, labels: { incident: ['incident'], severity: { sev1: ['sev1'] } } } },
})

type Example = { name: string; examples: Record<string, any>[] }
const example = (name: string, action?: string, index = 0): any => {
  const list = (examples as unknown as Example[]).find((e) => e.name === name)!.examples.filter((e) => !action || e.action === action)
  return structuredClone(list[index]!)
}
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

forEachBackend('GitHub webhooks', (ctx) => {
  let app: FastifyInstance
  let delivery = 0
  beforeAll(async () => {
    app = await buildApp({ config, db: ctx.db, logger: false })
  })
  afterAll(async () => app?.close())

  async function send(event: string, payload: unknown, options: { signature?: string | null; id?: string } = {}) {
    const body = JSON.stringify(payload)
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': options.id ?? `d-${++delivery}` }
    if (options.signature !== null) headers['x-hub-signature-256'] = options.signature ?? sign(body)
    const res = await app.inject({ method: 'POST', url: '/api/webhooks/github', headers, payload: body })
    await app.background.idle()
    return res
  }

  it('refuses a missing or wrong signature with 401 and stores nothing', async () => {
    const payload = example('deployment_status')
    expect((await send('deployment_status', payload, { signature: null })).statusCode).toBe(401)
    expect((await send('deployment_status', payload, { signature: sign(JSON.stringify(payload), 'other-secret') })).statusCode).toBe(401)
    expect((await send('deployment_status', payload, { signature: 'sha256=zz' })).statusCode).toBe(401)
    expect(await ctx.db.db.selectFrom('deployment').select('id').execute()).toEqual([])
  })

  it('stores a deployment_status event with its status as seen, once per delivery', async () => {
    const payload = example('deployment_status')
    const first = await send('deployment_status', payload, { id: 'delivery-ds-1' })
    expect(first.statusCode).toBe(202)
    expect(first.json()).toEqual({ status: 'accepted', delivery: 'delivery-ds-1' })
    const again = await send('deployment_status', payload, { id: 'delivery-ds-1' })
    expect(again.json()).toEqual({ status: 'duplicate', delivery: 'delivery-ds-1' })

    const deployments = await ctx.db.db.selectFrom('deployment').select(['external_id', 'service', 'environment', 'is_production', 'sha', 'status', 'finished_at']).execute()
    expect(deployments).toEqual([
      {
        external_id: 'MDEwOkRlcGxveW1lbnQxNDU5ODg3NDY=',
        service: 'Hello-World',
        environment: 'production',
        is_production: true,
        sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        status: 'success',
        finished_at: new Date('2019-05-15T15:20:55Z'),
      },
    ])
    const statuses = await ctx.db.db.selectFrom('deployment_status').select(['external_id', 'state']).execute()
    expect(statuses).toEqual([{ external_id: 'MDE2OkRlcGxveW1lbnRTdGF0dXMyMDk5MTYyNTQ=', state: 'success' }])
    const audit = await ctx.db.db.selectFrom('audit_log').select(['actor', 'action', 'target_id']).where('actor', '=', 'webhook:github').execute()
    expect(audit).toEqual([{ actor: 'webhook:github', action: 'webhook.deployment_status', target_id: 'delivery-ds-1' }])
  })

  it('keeps the first terminal status when a later status arrives', async () => {
    const payload = example('deployment_status')
    payload.deployment_status.state = 'failure'
    payload.deployment_status.node_id = 'DS_later_failure'
    payload.deployment_status.created_at = '2019-05-15T16:00:00Z'
    await send('deployment_status', payload)
    const d = await ctx.db.db.selectFrom('deployment').select(['status', 'finished_at']).executeTakeFirstOrThrow()
    expect(d).toEqual({ status: 'success', finished_at: new Date('2019-05-15T15:20:55Z') })
    expect((await ctx.db.db.selectFrom('deployment_status').select('state').orderBy('created_at').execute()).map((s) => s.state)).toEqual(['success', 'failure'])
  })

  it('stores a merged pull request and its first review by someone else', async () => {
    const payload = example('pull_request', 'closed')
    Object.assign(payload.pull_request, { merged: true, merged_at: '2019-05-15T15:40:00Z', closed_at: '2019-05-15T15:40:00Z', state: 'closed' })
    await send('pull_request', payload)
    const review = example('pull_request_review', 'submitted')
    await send('pull_request_review', review) // by the PR's author: not a review that counts
    review.review.user = { ...review.review.user, login: 'reviewer-1', type: 'User' }
    review.review.submitted_at = '2019-05-15T15:30:00Z'
    await send('pull_request_review', review)
    const botReview = example('pull_request_review', 'submitted')
    botReview.review.user = { ...botReview.review.user, login: 'ci[bot]', type: 'Bot' }
    botReview.review.submitted_at = '2019-05-15T15:25:00Z'
    await send('pull_request_review', botReview)
    const pr = await ctx.db.db
      .selectFrom('pull_request')
      .select(['number', 'state', 'base_branch', 'merged_at', 'merge_commit_sha', 'labels', 'first_review_at', 'first_reviewer', 'first_commit_at'])
      .executeTakeFirstOrThrow()
    expect(pr).toEqual({
      number: 2,
      state: 'merged',
      base_branch: 'master',
      merged_at: new Date('2019-05-15T15:40:00Z'),
      merge_commit_sha: 'c4295bd74fb0f4fda03689c3df3f2803b658fd85',
      labels: ['bug'],
      first_review_at: new Date('2019-05-15T15:30:00Z'),
      first_reviewer: 'reviewer-1',
      first_commit_at: new Date('2019-05-15T15:20:33Z'),
    })
  })

  it('stores labelled issues, turning incident-labelled ones into incidents', async () => {
    const bug = example('issues', 'opened')
    await send('issues', bug)
    const incident = example('issues', 'labeled')
    incident.issue.node_id = 'I_incident_7'
    incident.issue.number = 7
    incident.issue.labels = [{ name: 'incident' }, { name: 'sev1' }, { name: 'service:Hello-World' }]
    incident.issue.body = 'Checkout down. root cause: f95f852bd8fca8fcc58a9a2d6c842781e32a215e'
    await send('issues', incident)
    const issues = await ctx.db.db.selectFrom('issue').select(['number', 'labels']).orderBy('number').execute()
    expect(issues).toEqual([
      { number: 1, labels: ['bug'] },
      { number: 7, labels: ['incident', 'sev1', 'service:Hello-World'] },
    ])
    const incidents = await ctx.db.db.selectFrom('incident').select(['external_id', 'severity', 'service', 'team_id', 'caused_by_sha', 'started_at']).execute()
    expect(incidents).toEqual([
      { external_id: 'I_incident_7', severity: 'sev1', service: 'Hello-World', team_id: 'octo', caused_by_sha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e', started_at: new Date('2019-05-15T15:20:18Z') },
    ])
    const link = await ctx.db.db.selectFrom('incident_deployment').select(['method']).execute()
    expect(link).toEqual([{ method: 'explicit' }])
  })

  it('stores workflow runs and Dependabot alerts, and ignores other events', async () => {
    await send('workflow_run', example('workflow_run', 'completed', 1))
    const runs = await ctx.db.db.selectFrom('workflow_run').select(['workflow_path', 'head_branch', 'status', 'conclusion']).execute()
    expect(runs).toEqual([{ workflow_path: '.github/workflows/test.yml', head_branch: 'master', status: 'completed', conclusion: 'success' }])
    await send('dependabot_alert', example('dependabot_alert', 'fixed'))
    const alerts = await ctx.db.db.selectFrom('vulnerability_alert').select(['external_id', 'state', 'severity', 'fixed_at']).execute()
    expect(alerts).toEqual([{ external_id: 'octocat/hello-world#1', state: 'fixed', severity: 'medium', fixed_at: new Date('2022-06-15T13:55:40Z') }])
    const ping = await send('ping', { zen: 'Design for failure.', hook_id: 1 })
    expect(ping.statusCode).toBe(202)
    expect(ping.json().status).toBe('ignored')
  })
})
