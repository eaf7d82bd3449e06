const counts = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 })

/** An integer count with thousands separators: 12,345. */
export const formatCount = (n: number): string => counts.format(n)
