export { loadSlos, resolveDocuments, type LoadedSlos, type RawDoc } from './load-slos.ts'
export * from './openslo.ts'
