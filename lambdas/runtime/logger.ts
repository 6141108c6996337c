import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The functions' structured logger. It logs ids, names and counts only: never an event (which can
 * hold inputs), a host's output or a secret. `POWERTOOLS_LOG_LEVEL` sets the level.
 */
export const logger = new Logger({ serviceName: 'stepfleet' });
