import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ListRunsQuery, parseRequest } from '../runtime/apiRequests.js';
import { createAwsClients, createRunStore } from '../runtime/cloud.js';
import { httpErrors, json } from '../runtime/http.js';
import { logger } from '../runtime/logger.js';

const store = createRunStore(createAwsClients());

/** `GET /runs[?taskGroup=…&limit=…&cursor=…]`: run summaries, newest first, with a paging cursor. */
export const handler = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const query = parseRequest(ListRunsQuery, event.queryStringParameters, 'query');
  const page = await store.listRuns(query);
  return json(200, page);
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(httpErrors());
