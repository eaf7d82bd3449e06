import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApiToken } from '../../server/auth/token-service.ts'
import { readDataVersion } from '../../server/repositories/data-version.repository.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'
import { ENTERED_DEFINITIONS, buildMeasurementsApp } from '../support/measurements-app.ts'
import { sessionCookie } from '../support/sessions.ts'

const NOW = new Date('2026-11-22T12:00:00Z')
const config = testConfig({
  timezone: 'Europe/Berlin',
  teams: [
    { id: 'payments', name: 'Payments' },
    { id: 'search', name: 'Search' },
  ],
  auth: { oidc: { issuer: 'https://login.invalid', clientId: 'm' }, sessionSecret: 'measurements-session-secret-0123456789-0123' },
})
const SPEND = 'cost.cloud_spend_vs_budget'

forEachBackend('entered KPIs API', (ctx) => {
  let app: FastifyInstance
  let admin: Record<string, string>
  let adminActor: RegExp
  const db = () => ctx.db.db

  beforeAll(async () => {
    app = await buildMeasurementsApp({ config, db: ctx.db, clock: () => NOW, definitions: ENTERED_DEFINITIONS })
    const { token, row } = await createApiToken(db(), { name: 'ops', scopes: ['admin'] }, { actor: 'test', now: NOW })
    admin = { authorization: `Bearer ${token}` }
    adminActor = new RegExp(`^token:${row.id} \\(token "ops"\\)$`)
  })
  afterAll(async () => app?.close())
  beforeEach(async () => {
    await db().deleteFrom('measurement_history').execute()
    await db().deleteFrom('measurement').execute()
    await db().deleteFrom('audit_log').execute()
  })

  const session = (role: 'viewer' | 'team' | 'admin', teams: string[] = []) => {
    const { cookie, csrf } = sessionCookie(app, role, { teams })
    return { cookie, 'x-csrf-token': csrf }
  }
  const post = (payload: unknown, headers: Record<string, string> = admin) => app.inject({ method: 'POST', url: '/api/measurements', headers, payload: payload as object })
  const importCsv = (kind: string, csv: string, headers: Record<string, string> = admin) =>
    app.inject({ method: 'POST', url: `/api/import/${kind}`, headers: { ...headers, 'content-type': 'text/csv; charset=utf-8' }, payload: csv })
  const stored = () =>
    db()
      .selectFrom('measurement')
      .select(['kpi_id', 'scope', 'period_start', 'period_end', 'value', 'components', 'note', 'source'])
      .orderBy('kpi_id')
      .orderBy('scope')
      .orderBy('period_start')
      .execute()
  const audit = () => db().selectFrom('audit_log').select(['actor', 'action', 'target_type', 'target_id', 'before', 'after']).orderBy('id').execute()

  describe('POST /api/measurements', () => {
    it('creates (201), ignores an identical re-post (200 unchanged) and corrects with history and audit (200 updated)', async () => {
      const version = await readDataVersion(db())
      const created = await post({ kpi: SPEND, scope: 'org', period: '2026-10', components: { spend: 120, budget: 100 }, note: 'October AWS bill' })
      expect(created.statusCode).toBe(201)
      expect(created.json()).toEqual({
        outcome: 'created',
        measurement: {
          id: expect.any(Number),
          kpi: SPEND,
          scope: 'org',
          periodStart: '2026-10-01',
          periodEnd: '2026-11-01',
          // (120 − 100) / 100
          value: 0.2,
          components: { spend: 120, budget: 100 },
          note: 'October AWS bill',
          source: 'api',
          enteredBy: expect.stringMatching(adminActor),
          enteredAt: NOW.toISOString(),
          history: [],
        },
      })
      expect(await readDataVersion(db())).not.toBe(version)

      const again = await post({ kpi: SPEND, scope: 'org', period: '2026-10', components: { budget: 100, spend: 120 }, note: 'October AWS bill' })
      expect([again.statusCode, again.json().outcome]).toEqual([200, 'unchanged'])
      expect(await audit()).toHaveLength(1)

      const corrected = await post({ kpi: SPEND, scope: 'org', period: '2026-10', components: { spend: 115, budget: 100 }, note: 'October AWS bill, credits applied' })
      expect(corrected.statusCode).toBe(200)
      expect(corrected.json().outcome).toBe('updated')
      expect(corrected.json().measurement).toMatchObject({
        value: 0.15,
        components: { spend: 115, budget: 100 },
        note: 'October AWS bill, credits applied',
        enteredAt: NOW.toISOString(),
        history: [{ valueBefore: 0.2, valueAfter: 0.15, componentsBefore: { spend: 120, budget: 100 }, componentsAfter: { spend: 115, budget: 100 }, changedBy: expect.stringMatching(adminActor), changedAt: NOW.toISOString(), source: 'api' }],
      })
      expect(await db().selectFrom('measurement_history').select(['value_before', 'value_after', 'source']).execute()).toEqual([{ value_before: 0.2, value_after: 0.15, source: 'api' }])
      const entries = await audit()
      expect(entries.map((e) => [e.action, e.target_type, e.target_id])).toEqual([
        ['measurement.create', 'measurement', String(created.json().measurement.id)],
        ['measurement.update', 'measurement', String(created.json().measurement.id)],
      ])
      expect(entries[1]).toMatchObject({ actor: expect.stringMatching(adminActor), before: { value: 0.2, components: { spend: 120, budget: 100 } }, after: { value: 0.15, components: { spend: 115, budget: 100 } } })

      const list = await app.inject({ url: `/api/measurements?kpi=${SPEND}&scope=org&from=2026-10-01&to=2026-11-01`, headers: admin })
      expect(list.statusCode).toBe(200)
      expect(list.json().total).toBe(1)
      expect(list.json().measurements[0]).toMatchObject({ value: 0.15, history: [{ valueBefore: 0.2, valueAfter: 0.15 }] })
    })

    it('takes value for KPIs not derived from components, a quarter label or start/end dates', async () => {
      const q = await post({ kpi: 'security.audit_findings', scope: 'org', period: '2026-Q3', value: 3 })
      expect(q.json().measurement).toMatchObject({ periodStart: '2026-07-01', periodEnd: '2026-10-01', value: 3, components: null })
      const w = await post({ kpi: 'people.time_to_fill', scope: 'org', period: '2026-W05', value: 41.5 })
      expect(w.json().measurement).toMatchObject({ periodStart: '2026-01-26', periodEnd: '2026-02-02', value: 41.5 })
      const span = await post({ kpi: 'people.time_to_fill', scope: 'org', start: '2026-01-01', end: '2026-07-01', value: 38 })
      expect(span.statusCode).toBe(201)
      expect(span.json().measurement).toMatchObject({ periodStart: '2026-01-01', periodEnd: '2026-07-01' })
      // a value sent with components must agree with them (rounding tolerated)
      expect((await post({ kpi: 'people.hiring_attainment', scope: 'org', period: '2026-Q3', components: { hired: 1, planned: 3 }, value: 0.3333333333 })).json().measurement.value).toBe(1 / 3)
    })

    it('lets a team member write its own team only; org and other teams need an admin', async () => {
      const body = { kpi: 'people.hiring_attainment', period: '2026-Q3', components: { hired: 4, planned: 5 } }
      const member = session('team', ['payments'])
      const own = await post({ ...body, scope: 'team:payments' }, member)
      expect(own.statusCode).toBe(201)
      expect(own.json().measurement).toMatchObject({ scope: 'team:payments', value: 0.8, enteredBy: 'user:team-user (team@example.com)' })
      const other = await post({ ...body, scope: 'team:search' }, member)
      expect(other.statusCode).toBe(403)
      expect(other.json().error).toEqual({ code: 'forbidden', message: 'writing for team:search needs the admin role; team@example.com may write only for team:payments', requestId: expect.any(String) })
      expect((await post({ ...body, scope: 'org' }, member)).statusCode).toBe(403)
      expect((await post({ ...body, scope: 'team:payments' }, session('viewer'))).statusCode).toBe(403)
      expect((await post({ ...body, scope: 'team:search' }, session('admin'))).statusCode).toBe(201)
      expect(await stored()).toHaveLength(2)
    })

    it.each([
      ['an unknown KPI', { kpi: 'cost.nope', period: '2026-10', value: 1 }, 'body.kpi', 'unknown KPI "cost.nope"; entered KPIs are: cost.cloud_spend_vs_budget, cost.unit_cost, outcomes.stakeholder_satisfaction, people.hiring_attainment, people.regretted_attrition, people.time_to_fill, security.audit_findings'],
      ['a computed KPI', { kpi: 'dora.lead_time', period: '2026-10', value: 1 }, 'body.kpi', 'dora.lead_time is computed from collected data; only entered KPIs (source: entered) take values'],
      ['a bad month', { kpi: 'people.time_to_fill', period: '2026-13', value: 1 }, 'body.period', '"2026-13" is not a period: expected a month (2026-10), a quarter (2026-Q3) or an ISO week (2026-W05)'],
      ['a bad quarter', { kpi: 'people.time_to_fill', period: '2026-Q5', value: 1 }, 'body.period', '"2026-Q5" is not a period: expected a month (2026-10), a quarter (2026-Q3) or an ISO week (2026-W05)'],
      ['a period not started yet', { kpi: 'people.time_to_fill', period: '2026-12', value: 1 }, 'body.period', 'the period starting 2026-12-01 has not started yet (today is 2026-11-22)'],
      ['no period', { kpi: 'people.time_to_fill', value: 1 }, 'body.period', 'is required: a month (2026-10), a quarter (2026-Q3) or an ISO week (2026-W05), or start and end dates'],
      ['end before start', { kpi: 'people.time_to_fill', start: '2026-03-01', end: '2026-02-01', value: 1 }, 'body.end', 'end must be after start (end is exclusive: the day after the last day)'],
      ['a missing component', { kpi: SPEND, period: '2026-10', components: { spend: 120 } }, 'body.components.budget', 'is required (cost.cloud_spend_vs_budget takes spend, budget)'],
      ['no components for a derived KPI', { kpi: SPEND, period: '2026-10', value: 0.2 }, 'body.components', 'is required: cost.cloud_spend_vs_budget is computed from spend and budget, e.g. { "spend": 100, "budget": 100 }'],
      ['a zero denominator', { kpi: SPEND, period: '2026-10', components: { spend: 120, budget: 0 } }, 'body.components.budget', 'must be > 0: it is the denominator'],
      ['a foreign component', { kpi: SPEND, period: '2026-10', components: { spend: 120, budget: 100, tax: 3 } }, 'body.components.tax', 'is not a component of cost.cloud_spend_vs_budget (expected spend, budget)'],
      ['a value contradicting its components', { kpi: SPEND, period: '2026-10', components: { spend: 120, budget: 100 }, value: 0.5 }, 'body.value', '0.5 does not match its components (0.2); leave value out, it is computed from spend and budget'],
      ['a missing value', { kpi: 'people.time_to_fill', period: '2026-10' }, 'body.value', 'is required'],
      ['components for a KPI without any', { kpi: 'people.time_to_fill', period: '2026-10', value: 3, components: { days: 3 } }, 'body.components', 'people.time_to_fill takes no components; send value only'],
      ['a fractional count', { kpi: 'security.audit_findings', period: '2026-Q3', value: 1.5 }, 'body.value', 'must be a whole number ≥ 0 (security.audit_findings is a count)'],
      ['a negative number of days', { kpi: 'people.time_to_fill', period: '2026-10', value: -1 }, 'body.value', 'must be ≥ 0 (people.time_to_fill is in days)'],
      ['an unknown team', { kpi: 'people.time_to_fill', period: '2026-10', value: 3, scope: 'team:nope' }, 'body.scope', 'team "nope" does not exist'],
      ['a malformed scope', { kpi: 'people.time_to_fill', period: '2026-10', value: 3, scope: 'teams' }, 'body.scope', 'scope "teams" is not valid: expected org, team:<id>, service:<name> or repo:<owner>/<name>'],
      ['a negative component (schema)', { kpi: SPEND, period: '2026-10', components: { spend: -1, budget: 100 } }, 'body.components.spend', 'must be >= 0'],
    ])('400 for %s', async (_label, body, field, message) => {
      const res = await post({ scope: 'org', ...body })
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe('invalid_request')
      expect(res.json().error.details).toContainEqual({ field, message })
      expect(await stored()).toEqual([])
      expect(await audit()).toEqual([])
    })
  })

  describe('POST /api/import/:kind', () => {
    it('cloud-billing: line items add up per month of the configured zone into spend vs budget and unit cost', async () => {
      const csv = [
        'lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/LineItemDescription,Budget,Units',
        '2026-10-01T00:00:00Z,100.25,"$0.10 per GB, first 10 TB",1000,400',
        '2026-10-15T08:00:00Z,300.5,"EC2 ""m5.large"" hours",1000,600',
        '2026-10-20T00:00:00Z,-50.75,Credit,,',
        // 23:30 UTC on 31 October is 1 November in Berlin: November's
        '2026-10-31T23:30:00Z,200,Late usage,1200,1000',
        '2026-11-03,400,"multi-line\r\ndescription",1200,',
      ].join('\r\n')
      const res = await importCsv('cloud-billing', csv)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ kind: 'cloud-billing', rows: 5, created: 4, updated: 0, unchanged: 0 })
      const note2 = 'Imported from a cloud billing export: 2 line items'
      expect(await stored()).toEqual([
        // October: spend 100.25 + 300.5 − 50.75 = 350 vs 1000 → −0.65; unit cost 350 / 1000 units = 0.35
        { kpi_id: SPEND, scope: 'org', period_start: '2026-10-01', period_end: '2026-11-01', value: -0.65, components: { spend: 350, budget: 1000 }, note: 'Imported from a cloud billing export: 3 line items', source: 'csv' },
        // November: 200 + 400 = 600 vs 1200 → −0.5; 600 / 1000 units = 0.6
        { kpi_id: SPEND, scope: 'org', period_start: '2026-11-01', period_end: '2026-12-01', value: -0.5, components: { spend: 600, budget: 1200 }, note: note2, source: 'csv' },
        { kpi_id: 'cost.unit_cost', scope: 'org', period_start: '2026-10-01', period_end: '2026-11-01', value: 0.35, components: { cost: 350, units: 1000 }, note: 'Imported from a cloud billing export: 3 line items', source: 'csv' },
        { kpi_id: 'cost.unit_cost', scope: 'org', period_start: '2026-11-01', period_end: '2026-12-01', value: 0.6, components: { cost: 600, units: 1000 }, note: note2, source: 'csv' },
      ])
      expect((await audit()).map((a) => [a.action, a.target_id, (a.after as { created: number }).created])).toEqual([['measurements.import', 'cloud-billing', 4]])

      // the same file again changes nothing; a corrected one keeps history (source csv)
      expect((await importCsv('cloud-billing', csv)).json()).toMatchObject({ created: 0, updated: 0, unchanged: 4 })
      const fixed = await importCsv('cloud-billing', csv.replace('300.5,', '350.5,'))
      expect(fixed.json()).toMatchObject({ created: 0, updated: 2, unchanged: 2 })
      const history = await db().selectFrom('measurement_history').select(['value_before', 'value_after', 'components_after', 'source']).orderBy('value_before').execute()
      expect(history).toEqual([
        { value_before: -0.65, value_after: -0.6, components_after: { spend: 400, budget: 1000 }, source: 'csv' },
        { value_before: 0.35, value_after: 0.4, components_after: { cost: 400, units: 1000 }, source: 'csv' },
      ])
    })

    it('cloud-billing: without a budget column the budget already entered is used; none at all is an error at the month\'s first line', async () => {
      await post({ kpi: SPEND, scope: 'org', period: '2026-09', components: { spend: 1, budget: 500 } })
      const res = await importCsv('cloud-billing', 'date,amount\n2026-09-03,100\n2026-10-01,50\n2026-09-20,400\n2026-10-02,1\n')
      expect(res.statusCode).toBe(400)
      expect(res.json().error.details).toEqual([{ line: 3, column: 'budget', message: 'no budget for 2026-10: add a budget column, or enter the month\'s budget first' }])
      const ok = await importCsv('cloud-billing', 'date,amount\n2026-09-03,100\n2026-09-20,400\n')
      expect(ok.json()).toMatchObject({ updated: 1, measurements: [{ kpi: SPEND, periodStart: '2026-09-01', value: 0, components: { spend: 500, budget: 500 }, outcome: 'updated' }] })
    })

    it('hiring: attainment from hired ÷ planned and time to fill, per period and scope', async () => {
      const res = await importCsv('hiring', 'Period,Planned,Hired,Time_To_Fill_Days,Scope\n2026-Q2,8,6,42.5,\n2026-Q3,5,4,,team:payments\n')
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ rows: 2, created: 3 })
      expect((await stored()).map((r) => [r.kpi_id, r.scope, r.period_start, r.period_end, r.value, r.components])).toEqual([
        ['people.hiring_attainment', 'org', '2026-04-01', '2026-07-01', 0.75, { hired: 6, planned: 8 }],
        ['people.hiring_attainment', 'team:payments', '2026-07-01', '2026-10-01', 0.8, { hired: 4, planned: 5 }],
        ['people.time_to_fill', 'org', '2026-04-01', '2026-07-01', 42.5, null],
      ])
    })

    it('attrition: regretted exits ÷ headcount', async () => {
      const res = await importCsv('attrition', 'period,headcount,regretted_exits\n2026-Q1,80,2\n2026-Q2,70.5,0\n')
      expect(res.statusCode, res.body).toBe(200)
      expect((await stored()).map((r) => [r.period_start, r.value, r.components])).toEqual([
        ['2026-01-01', 0.025, { regretted: 2, headcount: 80 }],
        ['2026-04-01', 0, { regretted: 0, headcount: 70.5 }],
      ])
    })

    it('survey: the mean score of the responses per period, with the count and sum kept', async () => {
      const res = await importCsv('survey', 'period,score,group\n2026-Q3,4,product\n2026-Q3,5,sales\n2026-Q3,2,product\n2026-Q2,3,\n')
      expect(res.statusCode, res.body).toBe(200)
      expect((await stored()).map((r) => [r.kpi_id, r.period_start, r.value, r.components, r.note])).toEqual([
        ['outcomes.stakeholder_satisfaction', '2026-04-01', 3, { responses: 1, score_sum: 3 }, 'Imported from a survey CSV: 1 response'],
        // (4 + 5 + 2) / 3 = 3.666…
        ['outcomes.stakeholder_satisfaction', '2026-07-01', 11 / 3, { responses: 3, score_sum: 11 }, 'Imported from a survey CSV: 3 responses; by group: product 3 (2), sales 5 (1)'],
      ])
    })

    it('reports every problem with its line and column and stores nothing', async () => {
      const res = await importCsv('hiring', ['period,planned,time_to_fill_days,colour', '2026-Q1,5,30,red', '2026-Q2,ten,30,blue', '2026-Q3,5,,green', '2026-13,5,-2,'].join('\n'))
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toMatchObject({ code: 'invalid_request', message: 'The file has 5 problems, so nothing was imported. First: line 1, column colour: unknown column; hiring files have period, planned, hired, [time_to_fill_days], [scope]' })
      expect(res.json().error.details).toEqual([
        { line: 1, column: 'colour', message: 'unknown column; hiring files have period, planned, hired, [time_to_fill_days], [scope]' },
        { line: 1, column: 'hired', message: 'missing required column: hires made in the period (≥ 0)' },
        { line: 3, column: 'planned', message: '"ten" is not a number (digits with a dot for decimals; no thousands separators or currency signs)' },
        { line: 5, column: 'period', message: '"2026-13" is not a period: expected a month (2026-10), a quarter (2026-Q3) or an ISO week (2026-W05)' },
        { line: 5, column: 'time_to_fill_days', message: '-2 is out of range: must be ≥ 0' },
      ])
      expect(await stored()).toEqual([])
    })

    it('a file with a bad date on line 3 and a bad number on line 5 leaves stored values as they were', async () => {
      await importCsv('cloud-billing', 'date,cost,budget\n2026-09-10,900,1000\n')
      const before = await stored()
      const res = await importCsv('cloud-billing', 'date,cost,budget\n2026-09-10,950,1000\n31/09/2026,10,1000\n2026-10-01,10,1000\n2026-10-02,"12,50",1000\n')
      expect(res.statusCode).toBe(400)
      expect(res.json().error.details).toEqual([
        { line: 3, column: 'date', message: '"31/09/2026" is not a date: expected 2026-10-31 or a date-time such as 2026-10-31T14:00:00Z' },
        { line: 5, column: 'cost', message: '"12,50" is not a number (digits with a dot for decimals; no thousands separators or currency signs)' },
      ])
      expect(await stored()).toEqual(before)
      expect(await db().selectFrom('measurement_history').selectAll().execute()).toEqual([])
      expect((await audit()).map((a) => a.action)).toEqual(['measurements.import'])
    })

    it('checks each scope of the file against the caller: a team member imports only its own team', async () => {
      const member = session('team', ['payments'])
      const own = await importCsv('attrition', 'period,headcount,regretted_exits,scope\n2026-Q1,10,1,team:payments\n', member)
      expect(own.statusCode, own.body).toBe(200)
      const mixed = await importCsv('attrition', 'period,headcount,regretted_exits,scope\n2026-Q2,10,1,team:payments\n2026-Q2,10,1,team:search\n2026-Q3,10,1,team:search\n2026-Q3,10,x,\n', member)
      expect(mixed.statusCode).toBe(403)
      expect(mixed.json().error.details).toEqual([
        { line: 3, column: 'scope', message: 'writing for team:search needs the admin role; team@example.com may write only for team:payments (and 1 more line)' },
        { line: 5, column: 'scope', message: 'writing for org needs the admin role; team@example.com may write only for team:payments' },
        { line: 5, column: 'regretted_exits', message: '"x" is not a number (digits with a dot for decimals; no thousands separators or currency signs)' },
      ])
      expect((await stored()).map((r) => r.period_start)).toEqual(['2026-01-01'])
    })

    it('refuses what is not a CSV file: other content types (415), more than 5 MB (413), an empty file, duplicate periods', async () => {
      const json = await app.inject({ method: 'POST', url: '/api/import/hiring', headers: admin, payload: { period: '2026-Q1' } })
      expect([json.statusCode, json.json().error.message]).toEqual([415, 'POST /api/import/hiring takes a CSV file: send it with Content-Type: text/csv.'])
      const latin1 = await app.inject({ method: 'POST', url: '/api/import/hiring', headers: { ...admin, 'content-type': 'text/csv; charset=windows-1252' }, payload: 'period' })
      expect(latin1.statusCode).toBe(415)
      const big = await importCsv('survey', `period,score\n${'2026-Q3,4\n'.repeat(530_000)}`)
      expect(big.statusCode).toBe(413)
      expect(big.json().error).toMatchObject({ code: 'payload_too_large', message: 'The CSV file is larger than 5 MB: split it (by month or period) and import the parts.' })
      const empty = await importCsv('survey', '')
      expect([empty.statusCode, empty.json().error.details]).toEqual([400, [{ line: 1, column: null, message: 'the file is empty: expected a header line with period, score, [group], [scope]' }]])
      const headerOnly = await importCsv('survey', 'period,score\n')
      expect(headerOnly.json().error.details).toEqual([{ line: 2, column: null, message: 'the file has no data lines' }])
      const dup = await importCsv('attrition', 'period,headcount,regretted_exits\n2026-Q1,10,1\n2026-Q1,12,1\n')
      expect(dup.json().error.details).toEqual([{ line: 3, column: 'period', message: 'repeats line 2 (2026-Q1, org): one row per period and scope' }])
      const unknownKind = await importCsv('payroll', 'a\n1\n')
      expect(unknownKind.statusCode).toBe(400)
      expect(await stored()).toEqual([])
    })

    it('publishes its routes in the OpenAPI document', async () => {
      await app.ready()
      const doc = app.swagger() as { paths: Record<string, unknown> }
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/measurements', '/api/import/{kind}']))
    })
  })
})
