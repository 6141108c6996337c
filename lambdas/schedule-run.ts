import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { cloudRunnerDeps, createAwsClients, createEventPublisher, createRunStore } from './runtime/cloud.js';
import { ENV } from './runtime/env.js';
import { flushEvents } from './runtime/flushEvents.js';
import { type LaunchedRun, launchRun, parseStateMachineArns } from './runtime/launchRun.js';
import { loadDeploymentBundle } from './runtime/loadDeploymentBundle.js';
import { logger } from './runtime/logger.js';
import { ScheduledRunEvent } from './runtime/runnerEvents.js';
import { scheduledRunId } from './runtime/scheduledRunId.js';

const clients = createAwsClients();
const events = createEventPublisher(clients);
const deps = cloudRunnerDeps(
  { store: createRunStore(clients), bundle: loadDeploymentBundle(), clients },
  { events },
);
const stateMachines = parseStateMachineArns(process.env[ENV.stateMachines]);

/**
 * Target of each TaskGroup's EventBridge Scheduler schedule. The run id comes from the scheduled
 * time, so a redelivered or retried invocation finds the run it already started and starts nothing.
 */
export const handler = middy(async (event: unknown): Promise<LaunchedRun> => {
  const input = ScheduledRunEvent.parse(event);
  const runId = scheduledRunId(input.taskGroup, input.scheduledTime);
  logger.appendKeys({ taskGroup: input.taskGroup, runId });
  const run = await launchRun(deps, clients.sfn, stateMachines, {
    taskGroup: input.taskGroup,
    runId,
    ...(input.inputs ? { inputs: input.inputs } : {}),
  });
  logger.info(run.created ? 'scheduled run started' : 'scheduled run already started');
  return run;
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushEvents(events));
