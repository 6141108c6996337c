import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { prepareRun } from '../shared/engine/prepareRun.js';
import { cloudRunnerDeps, createAwsClients, createRunStore } from './runtime/cloud.js';
import { loadDeploymentBundle } from './runtime/loadDeploymentBundle.js';
import { logger } from './runtime/logger.js';
import { PrepareRunEvent } from './runtime/runnerEvents.js';

const clients = createAwsClients();
const deps = cloudRunnerDeps({ store: createRunStore(clients), bundle: loadDeploymentBundle(), clients });

/** `prepare-run` state: resolves each task's hosts and stores the run's plans (shards). */
export const handler = middy(async (event: unknown): Promise<null> => {
  const input = PrepareRunEvent.parse(event);
  logger.appendKeys({ runId: input.runId });
  return prepareRun(deps, input);
}).use(injectLambdaContext(logger, { resetKeys: true }));
