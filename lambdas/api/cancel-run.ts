import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { runIdParameter } from '../runtime/apiRequests.js';
import { createAwsClients, createRunStore } from '../runtime/cloud.js';
import { HttpError, httpErrors, json } from '../runtime/http.js';
import { logger } from '../runtime/logger.js';

const store = createRunStore(createAwsClients());

/**
 * `POST /runs/{id}/cancel`: flags the run; its runners stop dispatching, kill what runs and end it
 * `cancelled`. 202 when flagged (again: repeating is harmless), 404 unknown, 409 already finished.
 */
export const handler = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const runId = runIdParameter(event.pathParameters?.id);
  const outcome = await store.requestCancel(runId);
  if (outcome === 'not-found')
    throw new HttpError(404, `run ${runId} not found`, [
      { code: 'RUN_NOT_FOUND', message: `no run ${runId}`, path: 'id' },
    ]);
  if (outcome === 'not-running') {
    throw new HttpError(409, `run ${runId} has already finished`, [
      { code: 'RUN_FINISHED', message: 'only a running run can be cancelled', path: 'id' },
    ]);
  }
  logger.info('cancel requested', { runId });
  return json(202, { runId, status: 'cancelling' });
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(httpErrors());
