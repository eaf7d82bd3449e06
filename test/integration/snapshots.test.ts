import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { createApiToken } from '../../server/auth/token-service.ts'
import { formatValue } from '../../server/kpis/format-table.ts'
import { parseCsv } from '../../server/measurements/csv.ts'
import { bumpDataVersion } from '../../server/repositories/data-version.repository.ts'
import { SnapshotCompare, SnapshotCreated, SnapshotDocument, SnapshotList, SnapshotView } from '../../server/routes/snapshots.schema.ts'
import { sha256Hex } from '../../server/snapshots/canonical-json.ts'
import { CSV_COLUMNS } from '../../server/snapshots/export-csv.ts'
import { pdfText } from '../../server/snapshots/export-pdf.ts'
import { forEachBackend } from '../support/databases.ts'
import { testConfig } from '../support/config.ts'
import { keepPdfArtefacts, pdfPages, pdfToText } from '../support/pdf.ts'
import { sessionCookie } from '../support/sessions.ts'

const NOW = new Date('2026-11-22T12:00:00Z')
const DEFINITIONS = fileURLToPath(new URL('../../kpi-definitions/', import.meta.url))
const config = testConfig({
  timezone: 'Europe/Berlin',
  teams: [{ id: 'payments', name: 'Payments', repos: ['acme/payments-api'] }],
  auth: { oidc: { issuer: 'https://login.invalid', clientId: 'meridian' }, sessionSecret: 'snapshots-session-secret-0123456789-abcdef' },
})
const COMMENTARY = 'October: delivery held steady; one revert in payments. We hire two SREs in Q1, "budget" approved, costs ≤ plan.'

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)))

function contract<S extends TSchema>(schema: S, body: unknown): Static<S> {
  expect([...Value.Errors(schema, body)].map((e) => `${e.path}: ${e.message}`)).toEqual([])
  return body as Static<S>
}

forEachBackend('board-report snapshots', (ctx) => {
  let app: FastifyInstance
  let admin: Record<string, string>
  let viewer: Record<string, string>
  let repoId: number
  const db = () => ctx.db.db

  const deploy = async (key: string, at: string, status: 'success' | 'failure' = 'success') =>
    (
      await db()
        .insertInto('deployment')
        .values({
          source: 'github_deployment', external_id: key, repo_id: repoId, service: 'payments-api', environment: 'production', is_production: true,
          sha: key.padStart(40, 'a'), ref: 'main', status, created_at: at, started_at: at, finished_at: at, creator: 'ci', url: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id

  beforeAll(async () => {
    repoId = (
      await db()
        .insertInto('repository')
        .values({ source: 'github', external_id: 'R1', owner: 'acme', name: 'payments-api', full_name: 'acme/payments-api', url: 'https://github.com/acme/payments-api' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id
    await db().insertInto('team').values({ id: 'payments', name: 'Payments', source: 'config' }).execute()
    await db().insertInto('team_repo').values({ team_id: 'payments', pattern: 'acme/payments-api' }).execute()
    const ids: number[] = []
    for (const day of ['2026-09-07', '2026-09-08', '2026-09-09', '2026-10-05', '2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09']) ids.push(await deploy(`D${day}`, `${day}T12:00:00Z`))
    await db().insertInto('deployment_failure').values({ deployment_id: ids[4]!, reason: 'revert', cause_key: 'pr:7', remediation_deployment_id: ids[5]! }).execute()
    await db()
      .insertInto('sync_state')
      .values({ source: 'github', scope: 'acme', cursor: JSON.stringify({}), last_started_at: '2026-11-22T11:00:00Z', last_success_at: '2026-11-22T11:01:00Z', rows_written: 7, request_count: 3 })
      .execute()
    await bumpDataVersion(db())
    app = await buildApp({ config, db: ctx.db, clock: () => NOW, logger: false })
    const { token } = await createApiToken(db(), { name: 'cto', scopes: ['admin'] }, { actor: 'test', now: NOW })
    admin = { authorization: `Bearer ${token}` }
    const { cookie, csrf } = sessionCookie(app, 'viewer')
    viewer = { cookie, 'x-csrf-token': csrf }
    const spend = await app.inject({ method: 'POST', url: '/api/measurements', headers: admin, payload: { kpi: 'cost.cloud_spend_vs_budget', scope: 'org', period: '2026-10', components: { spend: 118, budget: 100 } } })
    expect(spend.statusCode).toBe(201)
  })
  afterAll(async () => app?.close())

  const take = async (payload: object, headers = admin) => app.inject({ method: 'POST', url: '/api/snapshots', headers, payload })
  const get = (url: string, headers = admin) => app.inject({ method: 'GET', url, headers })
  const exportsOf = async (id: string, on = app) => {
    const out: Record<string, Buffer> = {}
    for (const f of ['json', 'csv', 'md', 'pdf']) {
      const res = await on.inject({ method: 'GET', url: `/api/snapshots/${id}.${f}`, headers: admin })
      expect(res.statusCode, `${f}: ${res.body.slice(0, 200)}`).toBe(200)
      out[f] = res.rawPayload
    }
    return out
  }

  let october: { id: string; document: SnapshotDocument; files: Record<string, Buffer> }

  it('freezes every KPI for a month with 13 periods, definitions, freshness and a content hash (201, audited)', async () => {
    const res = await take({ period: '2026-10', title: 'Board pack October', commentary: COMMENTARY })
    expect(res.statusCode, res.body).toBe(201)
    const { snapshot } = contract(SnapshotCreated, res.json())
    expect(snapshot).toMatchObject({ period: '2026-10', scope: 'org', title: 'Board pack October', commentary: COMMENTARY, takenAt: NOW.toISOString(), partial: false })
    expect(snapshot.takenBy).toMatch(/^token:\d+ \(token "cto"\)$/)

    const view = contract(SnapshotView, (await get(`/api/snapshots/${snapshot.id}`, viewer)).json())
    const doc = view.document
    expect(doc.period).toEqual({ label: '2026-10', kind: 'month', start: '2026-09-30T22:00:00.000Z', end: '2026-10-31T23:00:00.000Z', partial: false })
    expect(doc.kpis).toHaveLength(app.kpis.definitions.length)
    for (const k of doc.kpis) {
      expect(k.error).toBeUndefined()
      expect(k.series.map((s) => s.label)[12]).toBe('2026-10')
      expect(k.series).toHaveLength(13)
      expect(k.kpi.description.length).toBeGreaterThan(10)
    }
    expect(doc.kpis[0]!.series[0]!.label).toBe('2025-10')
    // October: 5 deployments, one reverted.
    const cfr = doc.kpis.find((k) => k.kpi.id === 'dora.change_failure_rate')!
    expect(cfr.series[12]).toMatchObject({ value: 0.2, sampleSize: 5, status: 'off-track', delta: { kind: 'points', value: 20, good: false } })
    expect(cfr.kpi.target).toEqual({ op: '<=', value: 0.1 })
    expect(cfr.note).toBe('+20.0 pp vs 2026-09 (worse); level low; n = 5')
    const spend = doc.kpis.find((k) => k.kpi.id === 'cost.cloud_spend_vs_budget')!
    expect(spend.series[12]!.value).toBeCloseTo(0.18, 12)
    expect(doc.freshness).toEqual([{ source: 'github', scope: 'acme', status: 'fresh', lastSuccessAt: '2026-11-22T11:01:00.000Z', lastErrorAt: null, lastError: null }])
    expect(doc.caveats.some((c) => c.startsWith('No data for 2026-10: '))).toBe(true)

    const files = await exportsOf(snapshot.id)
    expect(sha256Hex(files.json!)).toBe(snapshot.contentHash)
    expect(JSON.parse(files.json!.toString('utf8'))).toEqual(doc)
    october = { id: snapshot.id, document: doc, files }

    const audit = await db().selectFrom('audit_log').select(['action', 'target_id', 'after']).where('target_type', '=', 'snapshot').execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ action: 'snapshot.create', target_id: snapshot.id })
  })

  it('exports the same bytes every time, and after re-collection and a changed target', async () => {
    expect(await exportsOf(october.id)).toEqual(october.files)
    // Re-collect: two more October deployments, one of them failed by a rollback.
    const late = await deploy('late-1', '2026-10-20T12:00:00Z')
    await deploy('late-2', '2026-10-21T12:00:00Z')
    await db().insertInto('deployment_failure').values({ deployment_id: late, reason: 'rollback', cause_key: 'rollback:late', remediation_deployment_id: null }).execute()
    await bumpDataVersion(db())
    const after = (await get('/api/kpis?period=month&from=2026-10-01&to=2026-11-01&ids=dora.change_failure_rate')).json()
    expect(after.kpis[0].series[0].sampleSize).toBe(7)
    expect(await exportsOf(october.id)).toEqual(october.files)

    // Change a target: a server started on definitions where change failure rate must be ≤ 5 %.
    const dir = mkdtempSync(join(tmpdir(), 'meridian-defs-'))
    cpSync(DEFINITIONS, dir, { recursive: true })
    const file = join(dir, 'dora.change_failure_rate.yaml')
    const yaml = readFileSync(file, 'utf8')
    expect(yaml).toContain('target: { op: "<=", value: 0.1 }')
    writeFileSync(file, yaml.replace('target: { op: "<=", value: 0.1 }', 'target: { op: "<=", value: 0.05 }'))
    const changed = await buildApp({ config, db: ctx.db, clock: () => new Date(NOW.getTime() + 86_400_000), logger: false, definitionsDir: dir })
    try {
      const now = (await changed.inject({ method: 'GET', url: '/api/kpis/dora.change_failure_rate?period=month&from=2026-10-01&to=2026-11-01', headers: admin })).json()
      expect(now.kpi.target).toEqual({ op: '<=', value: 0.05 })
      expect(await exportsOf(october.id, changed)).toEqual(october.files)
      // A new snapshot sees both changes.
      const fresh = await changed.inject({ method: 'POST', url: '/api/snapshots', headers: admin, payload: { period: '2026-10' } })
      const doc = contract(SnapshotView, (await changed.inject({ method: 'GET', url: `/api/snapshots/${fresh.json().snapshot.id}`, headers: admin })).json()).document
      const cfr = doc.kpis.find((k) => k.kpi.id === 'dora.change_failure_rate')!
      expect([cfr.kpi.target, cfr.series[12]!.sampleSize, cfr.series[12]!.value]).toEqual([{ op: '<=', value: 0.05 }, 7, Number((2 / 7).toPrecision(12))])
      await changed.inject({ method: 'DELETE', url: `/api/snapshots/${fresh.json().snapshot.id}`, headers: admin })
    } finally {
      await changed.close()
    }
  })

  it('the PDF holds every KPI name and value and the commentary, and renders to PNG', async () => {
    const pdf = october.files.pdf!
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    const text = pdfToText(pdf)
    expect(text).toContain(pdfText(COMMENTARY))
    expect(text).toContain('Board pack October')
    for (const k of october.document.kpis) {
      const item = k.series[12]!
      expect(text, k.kpi.name).toContain(pdfText(k.kpi.name))
      expect(text, k.kpi.id).toContain(`Value ${pdfText(formatValue(item.value, k.kpi.unit))}`)
    }
    const categories = new Set(october.document.kpis.map((k) => k.kpi.category)).size
    expect(pdfPages(pdf)).toBeGreaterThanOrEqual(1 + categories + 1)
    const pngs = keepPdfArtefacts(pdf, 'snapshots', `october-${ctx.backend}`, { lastPage: 2 })
    expect(pngs).toHaveLength(2)
    expect(readFileSync(pngs[0]!).subarray(1, 4).toString()).toBe('PNG')
  })

  it('the CSV parses back to the same numbers, one row per KPI × period', () => {
    const parsed = parseCsv(october.files.csv!.toString('utf8'))
    expect(parsed.problems).toEqual([])
    expect(parsed.header!.fields).toEqual([...CSV_COLUMNS])
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name)
    expect(parsed.rows).toHaveLength(october.document.kpis.length * 13)
    let i = 0
    for (const k of october.document.kpis) {
      for (const s of k.series) {
        const f = parsed.rows[i++]!.fields
        expect([f[col('kpi_id')], f[col('period')], f[col('status')]]).toEqual([k.kpi.id, s.label, s.status])
        expect(f[col('value')] === '' ? null : Number(f[col('value')])).toBe(s.value)
        expect(Number(f[col('sample_size')])).toBe(s.sampleSize)
        expect(f[col('coverage')] === '' ? null : Number(f[col('coverage')])).toBe(s.coverage ?? null)
      }
    }
    const cfr = parsed.rows.find((r) => r.fields[col('kpi_id')] === 'dora.change_failure_rate' && r.fields[col('period')] === '2026-10')!.fields
    expect([cfr[col('value')], cfr[col('target')], cfr[col('status')], cfr[col('delta_value')]]).toEqual(['0.2', '<= 0.1', 'off-track', '20'])
  })

  it('the Markdown has the board summary table with one row per board KPI', () => {
    const md = october.files.md!.toString('utf8')
    const lines = md.split('\n')
    const start = lines.indexOf('## Board summary')
    const table = lines.slice(start + 2).filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('|')))
    const board = october.document.kpis.filter((k) => k.kpi.board)
    expect(table[0]).toBe('| KPI | Value | Target | Status | Trend | Note |')
    expect(table.slice(2).map((l) => l.split(' | ')[0]!.slice(2))).toEqual(board.map((k) => k.kpi.name))
    const cfrRow = table.find((l) => l.startsWith('| Change failure rate |'))!
    expect(cfrRow).toContain('| 20.0 % | ≤ 10.0 % | Off track |')
    expect(md).toContain(`> ${COMMENTARY}`)
    expect(md).toContain(sha256Hex(october.files.json!))
  })

  it('a quarter under way is partial; a team scope works; bad input is a 400 naming the field', async () => {
    const q = await take({ period: '2026-Q4', scope: 'team:payments' })
    expect(q.statusCode).toBe(201)
    expect(q.json().snapshot).toMatchObject({ period: '2026-Q4', scope: 'team:payments', partial: true, title: 'Engineering report 2026-Q4 — team:payments' })
    const doc = (await get(`/api/snapshots/${q.json().snapshot.id}`)).json().document as SnapshotDocument
    expect(doc.period.partial).toBe(true)
    expect(doc.caveats[0]).toBe('2026-Q4 had not ended when this snapshot was taken (2026-11-22): its values are partial.')
    expect(doc.kpis[0]!.series.map((s) => s.label).slice(-2)).toEqual(['2026-Q3', '2026-Q4'])
    expect(pdfToText((await exportsOf(q.json().snapshot.id)).pdf!)).toContain('Partial period')

    for (const [payload, message] of [
      [{ period: '2026-W05' }, 'body.period: expected a month (2026-10) or a quarter (2026-Q3), got "2026-W05"'],
      [{ period: 'October' }, 'body.period: expected a month (2026-10) or a quarter (2026-Q3), got "October"'],
      [{ period: '2027-01' }, 'body.period: 2027-01 has not started yet'],
      [{ period: '2026-10', scope: 'team:nope' }, 'body.scope: team "nope" does not exist'],
    ] as const) {
      const res = await take(payload)
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe('invalid_request')
      expect(res.json().error.message).toContain(message)
    }
    expect((await take({ scope: 'org' })).statusCode).toBe(400)
    await app.inject({ method: 'DELETE', url: `/api/snapshots/${q.json().snapshot.id}`, headers: admin })
  })

  it('lists newest first; viewers read and export but may not take or delete (403)', async () => {
    const list = contract(SnapshotList, (await get('/api/snapshots', viewer)).json())
    expect(list.snapshots.map((s) => s.id)).toContain(october.id)
    expect((await get(`/api/snapshots/${october.id}.pdf`, viewer)).statusCode).toBe(200)
    expect((await take({ period: '2026-10' }, viewer)).statusCode).toBe(403)
    expect((await app.inject({ method: 'DELETE', url: `/api/snapshots/${october.id}`, headers: viewer })).statusCode).toBe(403)
    expect((await app.inject({ method: 'GET', url: '/api/snapshots' })).statusCode).toBe(401)
    expect((await get('/api/snapshots/snap-000000000000')).statusCode).toBe(404)
    expect((await get('/api/snapshots/snap-000000000000.pdf')).statusCode).toBe(404)
    expect((await get(`/api/snapshots/${october.id}.docx`)).statusCode).toBe(400)
  })

  it('compares two snapshots: what moved, by how much, and status changes', async () => {
    // Taken after the re-collection: October now has 7 deployments, 2 failed.
    const later = (await take({ period: '2026-10' })).json().snapshot.id as string
    const res = await get(`/api/snapshots/compare?a=${october.id}&b=${later}`, viewer)
    expect(res.statusCode).toBe(200)
    const cmp = contract(SnapshotCompare, res.json())
    expect(cmp.sameScope).toBe(true)
    expect(cmp.onlyInA).toEqual([])
    const cfr = cmp.kpis.find((k) => k.id === 'dora.change_failure_rate')!
    const b = Number((2 / 7).toPrecision(12))
    expect(cfr).toMatchObject({ a: { value: 0.2, status: 'off-track' }, b: { value: b, status: 'off-track' }, moved: true, statusChanged: false, targetChanged: false })
    expect(cfr.change).toEqual({ kind: 'points', value: Math.round((b - 0.2) * 100 * 1e6) / 1e6, good: false })
    const df = cmp.kpis.find((k) => k.id === 'dora.deployment_frequency')!
    expect([df.a.value, df.b.value, df.change]).toEqual([5, 7, { kind: 'percent', value: 40, good: true }])
    expect(cmp.summary.moved).toBe(cmp.kpis.filter((k) => k.moved).length)
    expect(cmp.summary.moved).toBeGreaterThanOrEqual(2)
    expect((await get(`/api/snapshots/compare?a=${october.id}&b=snap-000000000000`)).statusCode).toBe(404)
    await app.inject({ method: 'DELETE', url: `/api/snapshots/${later}`, headers: admin })
  })

  describe('DELETE /api/snapshots/:id', () => {
    it('deletes (admin), audits what was deleted, then 404', async () => {
      const res = await app.inject({ method: 'DELETE', url: `/api/snapshots/${october.id}`, headers: admin })
      expect(res.statusCode).toBe(200)
      expect(res.json().snapshot.id).toBe(october.id)
      const audit = await db().selectFrom('audit_log').select(['action', 'actor', 'before']).where('target_id', '=', october.id).where('action', '=', 'snapshot.delete').executeTakeFirstOrThrow()
      expect(audit.actor).toMatch(/token "cto"/)
      const before = typeof audit.before === 'string' ? JSON.parse(audit.before) : audit.before
      expect(before).toMatchObject({ period: '2026-10', scope: 'org', title: 'Board pack October', contentHash: sha256Hex(october.files.json!) })
      expect((await get(`/api/snapshots/${october.id}`)).statusCode).toBe(404)
      expect((await app.inject({ method: 'DELETE', url: `/api/snapshots/${october.id}`, headers: admin })).statusCode).toBe(404)
    })
  })
})
