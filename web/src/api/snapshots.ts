import type { Static } from '@sinclair/typebox'
import type { SnapshotCompare, SnapshotCreateBody, SnapshotCreated, SnapshotList, SnapshotView } from '../../../server/routes/snapshots.schema.ts'
import { getJsonWithParams, sendJson } from './client.ts'

export type { SnapshotCompareKpi, SnapshotDocument, SnapshotKpi, SnapshotSummary } from '../../../server/routes/snapshots.schema.ts'
export type SnapshotListResponse = Static<typeof SnapshotList>
export type SnapshotViewResponse = Static<typeof SnapshotView>
export type SnapshotCompareResponse = Static<typeof SnapshotCompare>
export type SnapshotCreatedResponse = Static<typeof SnapshotCreated>
export type { SnapshotCreateBody }

/** The export formats, in the order the UI offers them. */
export const EXPORT_FORMATS = [
  { format: 'pdf', label: 'PDF' },
  { format: 'csv', label: 'CSV' },
  { format: 'md', label: 'Markdown' },
  { format: 'json', label: 'JSON' },
] as const

/** Snapshots, newest first. */
export const listSnapshots = (signal?: AbortSignal) => getJsonWithParams<SnapshotListResponse>('/api/snapshots', { limit: '200' }, signal)

/** One snapshot and its frozen document. */
export const getSnapshot = (id: string, signal?: AbortSignal) => getJsonWithParams<SnapshotViewResponse>(`/api/snapshots/${encodeURIComponent(id)}`, {}, signal)

/** What moved from snapshot a to snapshot b. */
export const compareSnapshots = (a: string, b: string, signal?: AbortSignal) => getJsonWithParams<SnapshotCompareResponse>('/api/snapshots/compare', { a, b }, signal)

/** Takes a snapshot (admin). */
export const takeSnapshot = (body: SnapshotCreateBody) => sendJson<SnapshotCreatedResponse>('POST', '/api/snapshots', body)

/** Deletes a snapshot (admin). */
export const deleteSnapshot = (id: string) => sendJson<SnapshotCreatedResponse>('DELETE', `/api/snapshots/${encodeURIComponent(id)}`)

/** The URL that downloads one export. */
export const exportUrl = (id: string, format: string) => `/api/snapshots/${encodeURIComponent(id)}.${format}?download=1`
