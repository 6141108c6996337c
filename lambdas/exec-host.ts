import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { execShard } from '../shared/engine/execShard.js';
import { STEPFLEET_SSM_DOCUMENT_NAME } from '../shared/exec/ssm/stepfleetDocument.js';
import { cloudRunnerDeps, cloudTaskTypes, createAwsClients, createRunStore } from './runtime/cloud.js';
import { Executors } from './runtime/Executors.js';
import { ENV } from './runtime/env.js';
import { loadDeploymentBundle } from './runtime/loadDeploymentBundle.js';
import { logger } from './runtime/logger.js';
import { ExecShardEvent } from './runtime/runnerEvents.js';

const clients = createAwsClients();
// Task types live as long as the container, so their per-region clients are made once.
const base = {
  store: createRunStore(clients),
  bundle: loadDeploymentBundle(),
  clients,
  taskTypes: cloudTaskTypes(clients),
};
const documentName = process.env[ENV.ssmDocument] ?? STEPFLEET_SSM_DOCUMENT_NAME;

/**
 * `<task>.run-shard` state: runs one shard's hosts until done or out of time (`done: false` makes
 * the state machine call again). Connections are closed before the container can be frozen.
 */
export const handler = middy(async (event: unknown, context: Context): Promise<{ done: boolean }> => {
  const input = ExecShardEvent.parse(event);
  logger.appendKeys({ runId: input.runId, task: input.task, shard: input.shard });
  const executors = new Executors(clients, documentName);
  try {
    const deps = cloudRunnerDeps(base, { executorFor: executors.for });
    const progress = await execShard(deps, input, { remainingMs: () => context.getRemainingTimeInMillis() });
    logger.info('shard', { done: progress.done });
    return progress;
  } finally {
    await executors.close();
  }
})
  // Host status events are not published (one per host would flood subscribers): no event sink here.
  .use(injectLambdaContext(logger, { resetKeys: true }));
