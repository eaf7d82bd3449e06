import type { SeriesItem } from '../routes/kpis.schema.ts'
import type { SnapshotCompareKpi, SnapshotDocument } from '../routes/snapshots.schema.ts'
import { targetText } from './export-csv.ts'
import { currentOf } from './format.ts'

export interface SnapshotComparison {
  sameScope: boolean
  kpis: SnapshotCompareKpi[]
  onlyInA: string[]
  onlyInB: string[]
  summary: { moved: number; improved: number; worsened: number; statusChanges: number }
}

const round = (x: number) => Math.round(x * 1e6) / 1e6

/** b's value against a's: points for ratios, percent otherwise (none from a zero baseline); good by the KPI's direction. */
function changeOf(unit: string, direction: string, a: number | null, b: number | null): SnapshotCompareKpi['change'] {
  if (a === null || b === null) return null
  const diff = b - a
  const good = diff === 0 ? null : (diff < 0) === (direction === 'lower_is_better')
  if (unit === 'ratio') return { kind: 'points', value: round(diff * 100), good }
  if (a === 0) return null
  return { kind: 'percent', value: round((diff / Math.abs(a)) * 100), good }
}

const side = (item: SeriesItem | undefined, target: string | null) => ({ label: item?.label ?? null, value: item?.value ?? null, status: item?.status ?? null, target })

/**
 * What moved between two snapshots (a the earlier, b the later): each KPI in both with its value
 * and status in each, the change (points or percent, good or bad for its direction), whether the
 * status or the target changed; and the KPIs only one of them has. Reads only the two documents.
 */
export function compareSnapshots(a: SnapshotDocument, b: SnapshotDocument): SnapshotComparison {
  const inA = new Map(a.kpis.map((k) => [k.kpi.id, k]))
  const inB = new Set(b.kpis.map((k) => k.kpi.id))
  const kpis: SnapshotCompareKpi[] = []
  for (const kb of b.kpis) {
    const ka = inA.get(kb.kpi.id)
    if (!ka) continue
    const ia = ka.error === undefined ? currentOf(ka) : undefined
    const ib = kb.error === undefined ? currentOf(kb) : undefined
    const va = ia?.value ?? null
    const vb = ib?.value ?? null
    const ta = targetText(ka.kpi)
    const tb = targetText(kb.kpi)
    kpis.push({
      id: kb.kpi.id,
      name: kb.kpi.name,
      category: kb.kpi.category,
      unit: kb.kpi.unit,
      board: kb.kpi.board,
      a: side(ia, ta),
      b: side(ib, tb),
      change: changeOf(kb.kpi.unit, kb.kpi.direction, va, vb),
      moved: va !== vb,
      statusChanged: (ia?.status ?? null) !== (ib?.status ?? null),
      targetChanged: ta !== tb,
    })
  }
  return {
    sameScope: a.scope === b.scope,
    kpis,
    onlyInA: a.kpis.filter((k) => !inB.has(k.kpi.id)).map((k) => k.kpi.id),
    onlyInB: b.kpis.filter((k) => !inA.has(k.kpi.id)).map((k) => k.kpi.id),
    summary: {
      moved: kpis.filter((k) => k.moved).length,
      improved: kpis.filter((k) => k.change?.good === true).length,
      worsened: kpis.filter((k) => k.change?.good === false).length,
      statusChanges: kpis.filter((k) => k.statusChanged).length,
    },
  }
}
