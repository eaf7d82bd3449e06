/** Moved to server/catalog: metrics read the same ownership model. */
export * from '../../server/catalog/catalog.ts'
