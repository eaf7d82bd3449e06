import type { SnapshotDocument, SnapshotExportFormat } from '../routes/snapshots.schema.ts'
import { canonicalJson } from './canonical-json.ts'
import { exportCsv } from './export-csv.ts'
import { exportMarkdown } from './export-md.ts'
import { exportPdf } from './export-pdf.ts'

export const CONTENT_TYPES: Record<SnapshotExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  pdf: 'application/pdf',
}

/** One export of a frozen document: a pure function of the document (same document, same bytes). */
export async function exportSnapshot(doc: SnapshotDocument, format: SnapshotExportFormat): Promise<Buffer> {
  switch (format) {
    case 'json':
      return Buffer.from(canonicalJson(doc))
    case 'csv':
      return Buffer.from(exportCsv(doc))
    case 'md':
      return Buffer.from(exportMarkdown(doc))
    case 'pdf':
      return exportPdf(doc)
  }
}

/** A file name for an export: `meridian-2026-10-team-payments.pdf`. */
export function exportFileName(doc: Pick<SnapshotDocument, 'period' | 'scope'>, format: SnapshotExportFormat): string {
  const scope = doc.scope.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')
  return `meridian-${doc.period.label}-${scope}.${format}`
}
