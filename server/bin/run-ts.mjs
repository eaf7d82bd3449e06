#!/usr/bin/env node
// Runs a TypeScript entry file (benchmarks, scripts) through tsx: `node server/bin/run-ts.mjs FILE [ARGS…]`.
import { register } from 'tsx/esm/api'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

register()
const [file, ...args] = process.argv.slice(2)
if (!file) {
  console.error('usage: run-ts.mjs FILE [ARGS…]')
  process.exit(2)
}
process.argv = [process.argv[0], file, ...args]
await import(pathToFileURL(resolve(file)).href)
