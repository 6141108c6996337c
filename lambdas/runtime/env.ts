/** A configuration problem of a deployed function (a missing or malformed environment variable). */
export class StepfleetConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepfleetConfigError';
  }
}

/** The value of an environment variable the stack always sets; fails loudly when it is absent. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new StepfleetConfigError(`environment variable ${name} is not set`);
  return value;
}

/** Names of the environment variables the stack gives the functions (one place, used by both). */
export const ENV = {
  table: 'STEPFLEET_TABLE',
  dataKeySecret: 'STEPFLEET_DATA_KEY_SECRET',
  retentionDays: 'STEPFLEET_RETENTION_DAYS',
  stateMachines: 'STEPFLEET_STATE_MACHINES',
  eventBus: 'STEPFLEET_EVENT_BUS',
  ssmDocument: 'STEPFLEET_SSM_DOCUMENT',
  deploymentFile: 'STEPFLEET_DEPLOYMENT_FILE',
} as const;
