import { testConfig } from '../support/config.ts'

/**
 * The config both the benchmark's server and its collect loop use — as `serve` and `collect`
 * read the same meridian.config.yaml — pointing GitHub at the fake (the server never calls it).
 */
export const benchCollectConfig = (githubUrl = 'http://127.0.0.1:9') => testConfig({ sources: { github: { baseUrl: githubUrl, token: 'ghp_fake_token', repos: ['acme/*'] } } })
