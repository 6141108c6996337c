import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Cursor } from '../shared/engine/gateDecisions.js';
import { taskGate } from '../shared/engine/taskGate.js';
import { cloudRunnerDeps, createAwsClients, createEventPublisher, createRunStore } from './runtime/cloud.js';
import { flushEvents } from './runtime/flushEvents.js';
import { loadDeploymentBundle } from './runtime/loadDeploymentBundle.js';
import { logger } from './runtime/logger.js';
import { TaskGateEvent } from './runtime/runnerEvents.js';

const clients = createAwsClients();
const events = createEventPublisher(clients);
const deps = cloudRunnerDeps(
  { store: createRunStore(clients), bundle: loadDeploymentBundle(), clients },
  { events },
);

/** `<task>.start` and `<task>.gate` states: start a task's next wave, or end the task. */
export const handler = middy(async (event: unknown): Promise<Cursor> => {
  const input = TaskGateEvent.parse(event);
  logger.appendKeys({ runId: input.runId, task: input.task });
  const cursor = await taskGate(deps, input);
  logger.info('gate', { action: input.action, wave: input.wave, next: cursor.action });
  return cursor;
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushEvents(events));
