const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** A period label from the API as people read it: `2026-11` → "Nov 2026", `2026-Q3` → "Q3 2026", `2026-W05` → "W5 2026". */
export function periodLabel(label: string): string {
  const month = /^(\d{4})-(\d{2})$/.exec(label)
  if (month) return `${MONTHS[Number(month[2]) - 1] ?? month[2]} ${month[1]}`
  const quarter = /^(\d{4})-Q([1-4])$/.exec(label)
  if (quarter) return `Q${quarter[2]} ${quarter[1]}`
  const week = /^(\d{4})-W(\d{2})$/.exec(label)
  if (week) return `W${Number(week[2])} ${week[1]}`
  return label
}

/** "13 months", "1 week". */
export const periodCount = (n: number, kind: 'week' | 'month' | 'quarter'): string => `${n} ${kind}${n === 1 ? '' : 's'}`
