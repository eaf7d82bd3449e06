import { type Static, Type as T } from '@sinclair/typebox'

/*
 * The configuration file's contract (DESIGN §6). Keys may be added, never renamed. Every object
 * rejects unknown keys so a typo is reported instead of silently ignored.
 */

const Strict = { additionalProperties: false } as const

const RepoPattern = T.String({
  pattern: '^[A-Za-z0-9_.-]+/([A-Za-z0-9_.-]+|\\*)$',
  description: 'owner/name or owner/*',
  examples: ['acme/payments-api', 'acme/*'],
})
const Id = T.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'a lower-case id', examples: ['payments'] })
const Url = T.String({ pattern: '^https?://[^\\s]+$', description: 'an http(s) URL', examples: ['https://api.github.com'] })
const Secret = T.String({ minLength: 1, description: 'a secret, best given as ${ENV_VAR}', examples: ['${GITHUB_TOKEN}'] })
const Regex = T.String({ minLength: 1, description: 'a regular expression', examples: ['^prod(uction)?$'] })
const Labels = T.Array(T.String({ minLength: 1 }), { description: 'a list of label names', examples: [['bug']] })
const SeverityName = T.Union([T.Literal('sev1'), T.Literal('sev2'), T.Literal('sev3'), T.Literal('sev4'), T.Literal('sev5')], {
  description: 'one of sev1, sev2, sev3, sev4, sev5',
})

const Team = T.Object(
  {
    id: Id,
    name: T.String({ minLength: 1 }),
    repos: T.Optional(T.Array(RepoPattern)),
    services: T.Optional(T.Array(T.String({ minLength: 1 }))),
  },
  Strict,
)

const GitHubApp = T.Object(
  {
    appId: T.Union([T.Integer(), T.String({ minLength: 1 })]),
    privateKey: Secret,
    installationId: T.Union([T.Integer(), T.String({ minLength: 1 })]),
  },
  Strict,
)

const GitHub = T.Object(
  {
    baseUrl: T.Optional(Url),
    token: T.Optional(Secret),
    app: T.Optional(GitHubApp),
    repos: T.Array(RepoPattern, { minItems: 1 }),
    production: T.Optional(Regex),
    deployments: T.Optional(
      T.Object(
        {
          from: T.Optional(
            T.Array(T.Union([T.Literal('deployments'), T.Literal('workflow_runs'), T.Literal('releases')], {
              description: 'deployments, workflow_runs or releases',
            })),
          ),
          workflows: T.Optional(T.Array(T.String({ minLength: 1 }))),
          branch: T.Optional(T.String({ minLength: 1 })),
        },
        Strict,
      ),
    ),
    services: T.Optional(T.Record(T.String({ pattern: '^[^/\\s]+/[^/\\s]+$' }), T.String({ minLength: 1 }))),
    labels: T.Optional(
      T.Object(
        {
          incident: T.Optional(Labels),
          bug: T.Optional(Labels),
          escaped: T.Optional(Labels),
          customer: T.Optional(Labels),
          critical: T.Optional(Labels),
          hotfix: T.Optional(Labels),
          security: T.Optional(Labels),
          techDebt: T.Optional(Labels),
          severity: T.Optional(
            T.Object(
              {
                sev1: T.Optional(Labels),
                sev2: T.Optional(Labels),
                sev3: T.Optional(Labels),
                sev4: T.Optional(Labels),
                sev5: T.Optional(Labels),
              },
              Strict,
            ),
          ),
        },
        Strict,
      ),
    ),
    adoption: T.Optional(
      T.Union([
        T.Object({ topic: T.String({ minLength: 1 }) }, Strict),
        T.Object({ file: T.String({ minLength: 1 }) }, Strict),
      ], { description: '{ topic: NAME } or { file: PATH }' }),
    ),
    webhookSecret: T.Optional(Secret),
  },
  Strict,
)

const incidentSourceProps = {
  baseUrl: T.Optional(Url),
  token: T.Optional(Secret),
  services: T.Optional(T.Record(T.String({ minLength: 1 }), T.String({ minLength: 1 }))),
  severity: T.Optional(T.Record(T.String({ minLength: 1 }), SeverityName)),
}
const PagerDuty = T.Object({ ...incidentSourceProps, webhookSecret: T.Optional(Secret) }, Strict)
const SimpleIncidentSource = T.Object(incidentSourceProps, Strict)

const Prometheus = T.Object({ url: Url, headers: T.Optional(T.Record(T.String(), T.String())) }, Strict)

const RoleMap = T.Array(T.String({ minLength: 1 }))
const Auth = T.Object(
  {
    oidc: T.Optional(
      T.Object(
        {
          issuer: Url,
          clientId: T.String({ minLength: 1 }),
          clientSecret: T.Optional(Secret),
          redirectUrl: T.Optional(Url),
          rolesClaim: T.Optional(T.String({ minLength: 1 })),
          roles: T.Optional(
            T.Object(
              {
                admin: T.Optional(RoleMap),
                viewer: T.Optional(RoleMap),
                team: T.Optional(T.Record(T.String({ minLength: 1 }), RoleMap)),
              },
              Strict,
            ),
          ),
        },
        Strict,
      ),
    ),
    sessionSecret: T.Optional(T.String({ minLength: 32, description: 'a random secret of at least 32 characters' })),
  },
  Strict,
)

export const ConfigFileSchema = T.Object(
  {
    organisation: T.Optional(T.String({ minLength: 1, description: 'the organisation name shown in the dashboard' })),
    timezone: T.Optional(T.String({ minLength: 1, description: 'an IANA time zone', examples: ['Europe/Berlin'] })),
    teams: T.Optional(T.Array(Team)),
    sources: T.Optional(
      T.Object(
        {
          github: T.Optional(GitHub),
          pagerduty: T.Optional(PagerDuty),
          incidentio: T.Optional(SimpleIncidentSource),
          opsgenie: T.Optional(SimpleIncidentSource),
          prometheus: T.Optional(Prometheus),
        },
        Strict,
      ),
    ),
    attribution: T.Optional(
      T.Object(
        {
          incidentWindowHours: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 720 })),
          maxLookbackDays: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 3650 })),
        },
        Strict,
      ),
    ),
    schedule: T.Optional(
      T.Object({ collect: T.Optional(T.String({ pattern: '^(\\S+\\s+){4}\\S+$', description: 'a 5-field cron expression', examples: ['*/15 * * * *'] })) }, Strict),
    ),
    auth: T.Optional(Auth),
  },
  Strict,
)

export type ConfigFile = Static<typeof ConfigFileSchema>
