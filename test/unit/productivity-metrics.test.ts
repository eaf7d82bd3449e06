import { describe, expect, it } from 'vitest'
import { collectedCount, deployWorkflowFiles, durationValue } from '../../server/metrics/productivity.metrics.ts'
import { parsePeriodLabel } from '../../server/metrics/periods.ts'
import { testConfig } from '../support/config.ts'

describe('durationValue', () => {
  it.each([
    ['no row', undefined, { value: null, sampleSize: 0, p75: null, p90: null, mean: null }],
    ['an empty sample', { n: 0, p50: null, p75: null, p90: null, mean: null }, { value: null, sampleSize: 0, p75: null, p90: null, mean: null }],
    ['median of [2 h, 26 h, 50 h] is 26 h', { n: 3, p50: 26, p75: 38, p90: 45.2, mean: 26 }, { value: 26, sampleSize: 3, p75: 38, p90: 45.2, mean: 26 }],
  ])('%s', (_name, stats, expected) => {
    expect(durationValue(stats)).toEqual(expected)
  })
})

describe('deployWorkflowFiles', () => {
  it.each([
    ['no GitHub source: the default deploy.yml', undefined, ['deploy.yml']],
    ['the default when deployments are not configured', {}, ['deploy.yml']],
    ['paths and file names, by file name, once each', { workflows: ['.github/workflows/deploy.yml', 'release_prod.yml', 'deploy.yml'] }, ['deploy.yml', 'release_prod.yml']],
  ])('%s', (_name, deployments, expected) => {
    const config = testConfig(deployments === undefined ? {} : { sources: { github: { repos: ['acme/*'], ...(Object.keys(deployments).length > 0 && { deployments }) } } })
    expect(deployWorkflowFiles(config)).toEqual(expected)
  })
})

describe('collectedCount', () => {
  const march = parsePeriodLabel('2026-03', 'UTC')!
  it.each([
    ['nothing collected yet', 0, null, null],
    ['collection started after the period', 0, new Date('2026-04-01T00:00:00Z'), null],
    ['collection started inside the period', 0, new Date('2026-03-31T23:59:59Z'), 0],
    ['collection started before it', 3, new Date('2025-01-01T00:00:00Z'), 3],
  ])('%s', (_name, count, since, expected) => {
    expect(collectedCount(count, march, since)).toBe(expected)
  })
})
