import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type FinalRunStatus, finalizeRun } from '../shared/engine/finalizeRun.js';
import { cloudRunnerDeps, createAwsClients, createEventPublisher, createRunStore } from './runtime/cloud.js';
import { flushEvents } from './runtime/flushEvents.js';
import { loadDeploymentBundle } from './runtime/loadDeploymentBundle.js';
import { logger } from './runtime/logger.js';
import { FinalizeRunEvent } from './runtime/runnerEvents.js';

const clients = createAwsClients();
const events = createEventPublisher(clients);
const deps = cloudRunnerDeps(
  { store: createRunStore(clients), bundle: loadDeploymentBundle(), clients },
  { events },
);

/** `finalize-run` and `finalize-after-error` states: give everything left a status, close the run. */
export const handler = middy(async (event: unknown): Promise<{ runId: string; status: FinalRunStatus }> => {
  const input = FinalizeRunEvent.parse(event);
  logger.appendKeys({ runId: input.runId });
  const result = await finalizeRun(deps, input);
  logger.info('run finished', { status: result.status, stoppedEarly: input.error !== undefined });
  return result;
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushEvents(events));
