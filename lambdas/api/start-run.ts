import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseRequest, StartRunBody } from '../runtime/apiRequests.js';
import { flushEvents } from '../runtime/flushEvents.js';
import { httpErrors, json, statusUrl } from '../runtime/http.js';
import { createLauncher, launchRun } from '../runtime/launchRun.js';
import { logger } from '../runtime/logger.js';

const { clients, events, deps, stateMachines } = createLauncher();

/**
 * `POST /runs`: checks and records the run, starts its state machine, answers 202 with the run
 * id. 400 lists every problem, 404 names an unknown TaskGroup, 409 a reused idempotency key.
 */
export const handler = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const request = parseRequest(StartRunBody, event.body, 'body');
  logger.appendKeys({ taskGroup: request.taskGroup });
  const run = await launchRun(deps, clients.sfn, stateMachines, request);
  logger.info('run started', { runId: run.runId, created: run.created });
  return json(202, { runId: run.runId, statusUrl: statusUrl(event, run.runId), created: run.created });
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(httpErrors())
  .use(httpJsonBodyParser())
  .use(flushEvents(events));
