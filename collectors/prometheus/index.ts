/** Prometheus SLIs: hourly good/total counts for the OpenSLO SLOs whose indicators read Prometheus. */
export { collectPrometheus, DEFAULT_SLO_DIR, SOURCE, type CollectPrometheusOptions, type PrometheusCursor, type PrometheusReport, type SloReport } from './collect.ts'
export { PrometheusClient, PrometheusError, type PrometheusClientOptions, type RangeSeries } from './client.ts'
export * from './queries.ts'
