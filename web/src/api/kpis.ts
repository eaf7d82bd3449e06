import { ApiError, getJsonWithParams } from './client.ts'
import type { KpiEntry, KpiListResponse, KpiResponse, RecordsResponse, SeriesItem, KpiInfo } from '../../../server/routes/kpis.schema.ts'
import type { SlosResponse } from '../../../server/routes/slos.schema.ts'

export type { KpiEntry, KpiInfo, KpiListResponse, KpiResponse, RecordsResponse, SeriesItem, SlosResponse }
export type PeriodKind = 'week' | 'month' | 'quarter'
export type Compare = 'previous' | 'year'

/** What every KPI view asks for: the period kind, the scope and an optional range; all kept in the URL. */
export interface KpiParams {
  period: PeriodKind
  scope: string
  from?: string
  to?: string
  compare?: Compare
}

/** Query parameters without the empty ones (and without compare=previous, the default). */
const query = (p: object): Record<string, string> =>
  Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== '' && v !== 'previous').map(([k, v]) => [k, String(v)]))

/** All KPIs (or a category / list of ids) with their series, status, level and delta. */
export const getKpis = (p: KpiParams & { category?: string; ids?: string }, signal?: AbortSignal) => getJsonWithParams<KpiListResponse>('/api/kpis', query(p), signal)

/** One KPI's definition and series; SLO KPIs add `current` burn rates. */
export const getKpi = (id: string, p: KpiParams, signal?: AbortSignal) => getJsonWithParams<KpiResponse>(`/api/kpis/${encodeURIComponent(id)}`, query(p), signal)

/** The rows behind one period's value. */
export const getRecords = (id: string, p: { start: string; end: string; scope: string; period?: PeriodKind; limit?: number; offset?: number }, signal?: AbortSignal) =>
  getJsonWithParams<RecordsResponse>(`/api/kpis/${encodeURIComponent(id)}/records`, query(p), signal)

/** Every SLO in scope with attainment per period, budget remaining, burn-down, burn rates and alert state. */
export const getSlos = (p: KpiParams, signal?: AbortSignal) => getJsonWithParams<SlosResponse>('/api/slos', query(p), signal)

export { ApiError }
