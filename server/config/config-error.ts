/** One problem with the configuration: where it is (file and line, key path or variable) and what was expected. */
export interface ConfigProblem {
  /** The file, or `environment` for a variable. */
  where: string
  line?: number
  /** Dotted key path (`sources.github.repos[0]`) or the variable's name. */
  path: string
  message: string
}

/** Every problem found in the configuration, reported together rather than one per start. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(formatProblems(problems))
    this.name = 'ConfigError'
  }
}

export function formatProblem(p: ConfigProblem): string {
  const at = p.line === undefined ? p.where : `${p.where}:${p.line}`
  return `${at}: ${p.path}: ${p.message}`
}

export function formatProblems(problems: ConfigProblem[]): string {
  const head = problems.length === 1 ? 'The configuration has 1 problem:' : `The configuration has ${problems.length} problems:`
  return [head, ...problems.map((p) => `  - ${formatProblem(p)}`)].join('\n')
}
