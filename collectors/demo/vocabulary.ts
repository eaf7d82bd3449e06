/** Word lists the demo's names and titles are drawn from. */

export const FIRST_NAMES = [
  'ana', 'ben', 'chloe', 'dev', 'elena', 'farid', 'grace', 'hugo', 'ines', 'jonas', 'kai', 'lena', 'mateo', 'nadia',
  'omar', 'priya', 'quinn', 'rosa', 'sam', 'tariq', 'uma', 'victor', 'wen', 'ximena', 'yusuf', 'zoe', 'aiko', 'bruno',
  'carla', 'dmitri', 'emeka', 'fatima', 'gabriel', 'hana', 'ivan', 'julia', 'kofi', 'lucia', 'marek', 'noor',
] as const

export const LAST_NAMES = [
  'silva', 'okafor', 'nguyen', 'patel', 'kowalski', 'haddad', 'muller', 'tanaka', 'garcia', 'johansson', 'rossi',
  'kim', 'dubois', 'novak', 'mensah', 'fischer', 'sato', 'lopez', 'ahmed', 'berg', 'costa', 'ivanova', 'chen', 'obi',
] as const

/** The 40 team domains of the large scale; the first four are the small scale's teams. */
export const DOMAINS = [
  'payments', 'checkout', 'platform', 'identity', 'search', 'catalog', 'inventory', 'fulfilment', 'shipping', 'billing',
  'notifications', 'messaging', 'analytics', 'reporting', 'pricing', 'promotions', 'fraud', 'risk', 'onboarding',
  'accounts', 'support', 'content', 'media', 'recommendations', 'reviews', 'loyalty', 'marketplace', 'partners',
  'mobile', 'web-core', 'data-platform', 'ml-platform', 'developer-experience', 'security', 'compliance', 'finance',
  'growth', 'experiments', 'localisation', 'integrations',
] as const

/** Repository name suffixes of the large scale, in the order a team's repositories take them. */
export const REPO_SUFFIXES = ['api', 'web', 'worker', 'service', 'gateway', 'jobs', 'admin', 'sdk', 'events', 'store', 'ingest', 'scheduler', 'cli', 'infra'] as const

export const PR_VERBS = ['Add', 'Fix', 'Refactor', 'Improve', 'Remove', 'Update', 'Speed up', 'Simplify', 'Harden', 'Document'] as const

export const PR_SUBJECTS = [
  'retry logic for {svc} client', 'pagination in list endpoint', 'request validation', 'feature flag for new flow',
  'metrics for queue depth', 'timeout handling', 'cache invalidation', 'database index on created_at', 'error messages',
  'logging of correlation ids', 'rate limiting', 'settings page', 'CSV export', 'webhook signature check',
  'health check endpoint', 'dependency injection in handlers', 'audit events', 'search filters', 'currency rounding',
  'session refresh', 'batch processing job', 'API docs', 'integration tests', 'flaky test in CI', 'Dockerfile layers',
  'Terraform module for {svc}', 'alert thresholds', 'connection pool settings', 'i18n strings', 'accessibility labels',
] as const

export const PACKAGES = [
  'lodash', 'axios', 'express', 'jsonwebtoken', 'pg', 'react', 'webpack', 'minimist', 'semver', 'ws', 'undici',
  'follow-redirects', 'tar', 'glob-parent', 'protobufjs', 'golang.org/x/net', 'golang.org/x/crypto', 'requests',
  'urllib3', 'django', 'jinja2', 'pyyaml', 'log4j-core', 'jackson-databind', 'spring-web', 'netty-codec-http',
] as const

export const INCIDENT_TITLES: readonly (readonly [string, string])[] = [
  ['elevated-5xx', 'Elevated 5xx error rate on {svc}'],
  ['latency-spike', 'p99 latency spike on {svc}'],
  ['db-pool', '{svc} database connection pool exhausted'],
  ['queue-backlog', 'Queue backlog growing in {svc}'],
  ['memory-leak', 'Memory leak restarting {svc} pods'],
  ['provider-outage', 'Upstream provider outage affecting {svc}'],
  ['cache-stampede', 'Cache stampede after {svc} cache flush'],
  ['config-drift', 'Bad configuration rolled out to {svc}'],
  ['disk-full', 'Disk full on {svc} database replica'],
  ['dns', 'DNS resolution failures from {svc}'],
]

export const SECURITY_INCIDENT_TITLES: readonly (readonly [string, string])[] = [
  ['secret-leak', 'Credential exposed in {svc} logs'],
  ['login-abuse', 'Credential-stuffing spike against {svc}'],
  ['waf', 'WAF blocking legitimate traffic to {svc}'],
  ['vuln-exploit', 'Exploitation attempt of known CVE on {svc}'],
]

export const BUG_TITLES = [
  'Totals rounded wrongly for some currencies', 'Timeout when listing more than 1,000 items', 'Wrong timezone in emails',
  'Retry storm after upstream 503', 'Form loses input on back navigation', 'Duplicate events on reconnect',
  'Export misses the last row', 'Stale data after update', 'Crash on empty response', 'Broken link in footer',
  'Login loop on Safari', 'Webhook delivered twice',
] as const

export const TECH_DEBT_TITLES = [
  'Remove deprecated v1 endpoints', 'Migrate off the legacy job runner', 'Split the monolithic config module',
  'Replace hand-rolled retry with the shared client', 'Upgrade to the current Node LTS', 'Delete unused feature flags',
  'Consolidate duplicated validation', 'Move secrets to the vault', 'Raise test coverage of the billing core',
] as const

export const FEATURE_TITLES = [
  'Saved searches', 'Bulk edit', 'Audit trail view', 'SSO for partners', 'Multi-currency invoices', 'Usage dashboard',
  'Self-service refunds', 'Mobile push opt-in', 'API keys per environment', 'Dark mode', 'Scheduled reports',
] as const
