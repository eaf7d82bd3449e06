/** One benchmark file's default export. */
export interface Benchmark {
  name: string
  /** How it was measured: data, backend, repetitions — written beside the numbers. */
  method: string
  run(options: { large: boolean }): Promise<BenchResult>
}

export interface BenchResult {
  metrics: Record<string, number | string>
  notes?: string
}
