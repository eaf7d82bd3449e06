/**
 * The GitHub collector (DESIGN §4, §6): pull requests, the commit graph, deployments, workflow
 * runs, labelled issues and incidents, milestones, Dependabot alerts and repository flags, from
 * github.com or GitHub Enterprise Server, with a token or a GitHub App. See README.md and
 * PERMISSIONS.md beside this file.
 */
export { collectGitHub, formatCollectSummary, RESOURCES, type CollectOptions, type CollectReport, type ResourceReport, type Resource } from './collect.ts'
export { createGitHubOctokit, meterOf, credentialKey, RequestMeter, API_VERSION, type GitHubClientOptions } from './client.ts'
