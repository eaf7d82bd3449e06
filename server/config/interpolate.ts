/** A `${NAME}` reference to an unset variable, remembered so validation can say why a value is missing. */
export interface UnsetVariable {
  path: (string | number)[]
  name: string
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/**
 * Replaces `${NAME}` (and `${NAME:-default}`) in every string value of a parsed YAML tree with the
 * environment's value; `$$` is a literal `$`. Interpolating parsed values rather than the raw text
 * means a secret containing YAML syntax can never change the file's structure.
 * A value that is only a reference to an unset variable is removed, so an unset token simply
 * leaves its source unconfigured.
 */
export function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
  unset: UnsetVariable[] = [],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    let missing = false
    const out = value.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
      if (whole === '$$') return '$'
      const v = env[name!]
      if (v !== undefined && v !== '') return v
      if (fallback !== undefined) return fallback
      missing = true
      unset.push({ path, name: name! })
      return ''
    })
    return missing && out.trim() === '' ? undefined : out
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, unset, [...path, i]))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const r = interpolate(v, env, unset, [...path, k])
      if (r !== undefined) out[k] = r
    }
    return out
  }
  return value
}
