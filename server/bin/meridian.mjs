#!/usr/bin/env node
// The `meridian` command. The code is TypeScript run through tsx, so a checkout works after
// `npm ci` without a build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../cli.ts')
process.exitCode = await main(process.argv.slice(2))
