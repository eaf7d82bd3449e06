import type { Insertable, Kysely } from 'kysely'
import type { Database, SliSampleTable } from '../../../server/db/schema.ts'
import { upsertRows } from './upsert.ts'

/** Inserts or updates SLI good/total counts, keyed by (source, slo_id, interval_start). */
export async function upsertSliSamples(db: Kysely<Database>, rows: readonly Insertable<SliSampleTable>[]): Promise<number> {
  await upsertRows(db, { table: 'sli_sample', key: ['source', 'slo_id', 'interval_start'] }, rows)
  return rows.length
}
