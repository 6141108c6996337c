import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { flushEvents } from './runtime/flushEvents.js';
import { createLauncher, type LaunchedRun, launchRun } from './runtime/launchRun.js';
import { logger } from './runtime/logger.js';
import { ScheduledRunEvent } from './runtime/runnerEvents.js';
import { scheduledRunId } from './runtime/scheduledRunId.js';

const { clients, events, deps, stateMachines } = createLauncher();

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
