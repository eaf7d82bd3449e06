/** DORA's five keys, in the order the DORA report lists them. */
export const DORA_IDS = ['dora.deployment_frequency', 'dora.lead_time', 'dora.change_failure_rate', 'dora.recovery_time', 'dora.rework_rate'] as const

/** Short column headings for the keys. */
export const DORA_SHORT: Record<(typeof DORA_IDS)[number], string> = {
  'dora.deployment_frequency': 'Deployments',
  'dora.lead_time': 'Lead time',
  'dora.change_failure_rate': 'Change failure rate',
  'dora.recovery_time': 'Recovery time',
  'dora.rework_rate': 'Rework rate',
}

/** The incident KPIs a team's page shows against its targets. */
export const INCIDENT_IDS = ['incidents.mttr', 'incidents.sev12_count', 'incidents.repeat_rate', 'security.incidents'] as const

export const LEVEL_LABEL = { elite: 'Elite', high: 'High', medium: 'Medium', low: 'Low' } as const
