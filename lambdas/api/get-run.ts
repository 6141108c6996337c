import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { runIdParameter } from '../runtime/apiRequests.js';
import { createAwsClients, createRunStore } from '../runtime/cloud.js';
import { HttpError, httpErrors, json } from '../runtime/http.js';
import { logger } from '../runtime/logger.js';

const store = createRunStore(createAwsClients());

/** `GET /runs/{id}`: the run's result (DESIGN §5), confidential values masked. */
export const handler = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const runId = runIdParameter(event.pathParameters?.id);
  const result = await store.getRunResult(runId);
  if (!result)
    throw new HttpError(404, `run ${runId} not found`, [
      { code: 'RUN_NOT_FOUND', message: `no run ${runId}`, path: 'id' },
    ]);
  return json(200, result);
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(httpErrors());
