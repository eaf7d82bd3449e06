import { type Static, type TSchema, Type as T } from '@sinclair/typebox'

/** Items per request: 1 to 1,000. */
export const MAX_ITEMS = 1_000

const StringEnum = <V extends string>(values: readonly V[], description: string) => T.Unsafe<V>({ type: 'string', enum: [...values], description })
const Text = (max: number, description: string) => T.String({ minLength: 1, maxLength: max, pattern: '\\S', description })
const Timestamp = (description: string) => T.String({ format: 'date-time', description: `${description} (RFC 3339 with a time zone, e.g. 2026-11-20T14:05:00Z)` })
const NullableTimestamp = (description: string) =>
  T.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time', description: `${description} (RFC 3339 with a time zone), or null` })
const Sha = T.String({ pattern: '^[0-9a-fA-F]{7,64}$', description: 'a git commit SHA (7 to 64 hex characters)' })
const Repo = T.String({ minLength: 3, maxLength: 200, description: 'owner/name of the repository' })
const ExternalId = Text(200, 'your system\'s id for it: posting the same id again updates the stored row')

export const DeploymentItem = T.Object(
  {
    id: ExternalId,
    service: T.Optional(Text(200, 'the Meridian service deployed; default: the repository\'s service (its name, or sources.github.services)')),
    repo: T.Optional(Repo),
    environment: Text(100, 'production when it matches sources.github.production (default ^prod(uction)?$, case-insensitive)'),
    sha: Sha,
    status: StringEnum(['success', 'failure'] as const, 'the outcome; the first outcome stored for an id is kept'),
    started_at: Timestamp('when the deployment started'),
    finished_at: Timestamp('when it finished; at or after started_at'),
    ref: T.Optional(Text(255, 'the branch or tag deployed')),
    url: T.Optional(T.String({ format: 'uri', maxLength: 2000, description: 'a link to the pipeline run' })),
    creator: T.Optional(Text(200, 'who or what started it')),
    pull_requests: T.Optional(T.Array(T.Integer({ minimum: 1, maximum: 2147483647 }), { maxItems: 1000, uniqueItems: true, description: 'numbers of the pull requests it ships (in repo, else in the service\'s repositories): attribution links them to this deployment (method explicit)' })),
    commits: T.Optional(T.Array(Sha, { maxItems: 1000, description: 'merge commit SHAs (or prefixes of 7+ characters) of the pull requests it ships: attribution links them to this deployment (method explicit)' })),
  },
  { additionalProperties: false, description: 'One deployment. Give service or repo (or both).' },
)
export type DeploymentItem = Static<typeof DeploymentItem>

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4', 'sev5'] as const
export const IncidentItem = T.Object(
  {
    id: ExternalId,
    service: Text(200, 'the Meridian service affected'),
    severity: StringEnum(SEVERITIES, 'sev1 (worst) to sev5'),
    title: Text(500, 'what happened'),
    started_at: Timestamp('when the incident started'),
    resolved_at: T.Optional(NullableTimestamp('when it was resolved; absent or null while open')),
    acknowledged_at: T.Optional(NullableTimestamp('when someone acknowledged it')),
    status: T.Optional(Text(50, 'the tool\'s status, e.g. investigating; default open or resolved')),
    team: T.Optional(T.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 100, description: 'a configured team id; default: the team owning the service' })),
    repo: T.Optional(Repo),
    caused_by_deployment: T.Optional(Text(200, 'the id of the deployment that caused it (as posted to /api/deployments)')),
    caused_by_sha: T.Optional(Sha),
    caused_by_pr: T.Optional(T.Integer({ minimum: 1, maximum: 2147483647, description: 'the pull request that caused it (in repo, else in the service\'s repositories)' })),
    root_cause_key: T.Optional(Text(200, 'incidents sharing it are repeats; default: service and normalised title')),
    is_security: T.Optional(T.Boolean({ description: 'a security incident' })),
    customer_impact: T.Optional(T.Boolean({ description: 'customers were affected' })),
    url: T.Optional(T.String({ format: 'uri', maxLength: 2000 })),
  },
  { additionalProperties: false, description: 'One incident.' },
)
export type IncidentItem = Static<typeof IncidentItem>

export const SliItem = T.Object(
  {
    slo_id: T.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 200, description: 'the SLO (its OpenSLO metadata.name)' }),
    service: T.Optional(Text(200, 'the service measured')),
    interval_start: Timestamp('start of the interval counted'),
    interval_end: Timestamp('end of the interval (exclusive); after interval_start'),
    good: T.Number({ minimum: 0, maximum: 1e15, description: 'good events in the interval; at most total' }),
    total: T.Number({ minimum: 0, maximum: 1e15, description: 'all events in the interval' }),
  },
  { additionalProperties: false, description: 'Good and total event counts of one SLO over one interval; (slo_id, interval_start) identifies it.' },
)
export type SliItem = Static<typeof SliItem>

/** The body of every ingest route: `{ items: [...] }` with 1 to 1,000 items, all stored or none. */
export const Batch = <S extends TSchema>(item: S, what: string) =>
  T.Object(
    { items: T.Array(item, { minItems: 1, maxItems: MAX_ITEMS, description: `1 to ${MAX_ITEMS} ${what}; a batch with any invalid item is rejected whole` }) },
    { additionalProperties: false },
  )
export const DeploymentBatch = Batch(DeploymentItem, 'deployments')
export const IncidentBatch = Batch(IncidentItem, 'incidents')
export const SliBatch = Batch(SliItem, 'SLI samples')

export const IngestResult = T.Object({
  received: T.Integer({ description: 'items in the batch' }),
  inserted: T.Integer({ description: 'items new to Meridian' }),
  updated: T.Integer({ description: 'items that replaced a stored one with the same id' }),
})
export type IngestResult = Static<typeof IngestResult>
