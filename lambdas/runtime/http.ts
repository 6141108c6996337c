import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { IdempotencyConflictError } from '../../shared/engine/startRun.js';
import { InvalidRunRequestError, UnknownTaskGroupError } from '../../shared/errors.js';
import { RunStoreError } from '../../shared/store/RunStoreError.js';
import { logger } from './logger.js';

/** One problem in a refused request (DESIGN §6: `{error, details[]}`). */
export interface ErrorDetail {
  code: string;
  message: string;
  path?: string;
  [key: string]: unknown;
}

/** A request the API refuses with a status and details, before any core function runs. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A JSON response. */
export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/** Maps a thrown error to the API's error response; unexpected errors are logged (name and message only). */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof HttpError)
    return json(error.statusCode, { error: error.message, details: error.details });
  if (error instanceof InvalidRunRequestError)
    return json(400, { error: error.message, details: error.details });
  if (error instanceof UnknownTaskGroupError) {
    return json(404, {
      error: error.message,
      details: [{ code: error.code, message: error.message, path: 'taskGroup' }],
    });
  }
  if (error instanceof IdempotencyConflictError) {
    return json(409, {
      error: error.message,
      details: [{ code: error.code, message: error.message, path: 'idempotencyKey', runId: error.runId }],
    });
  }
  if (error instanceof RunStoreError && error.code === 'INVALID_ARGUMENT') {
    return json(400, { error: error.message, details: [{ code: error.code, message: error.message }] });
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // middy's body parser answers 415 both for a missing JSON content type and for unparsable JSON.
    const unparsable = /malformed|parse/i.test((error as Error).message);
    const message = unparsable
      ? 'the body is not valid JSON'
      : 'the body must be JSON (content-type: application/json)';
    return json(unparsable ? 400 : 415, { error: message, details: [{ code: 'INVALID_BODY', message }] });
  }
  logger.error('request failed', {
    errorName: (error as Error).name,
    errorMessage: (error as Error).message,
  });
  return json(500, { error: 'internal error', details: [] });
}

/** middy middleware: every error becomes a `{error, details}` response. */
export function httpErrors(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      request.response = errorResponse(request.error);
    },
  };
}

/** The URL of a run's status, as the caller reached the API (stage included). */
export function statusUrl(event: APIGatewayProxyEvent, runId: string): string {
  const { domainName, stage } = event.requestContext;
  const path = `/runs/${encodeURIComponent(runId)}`;
  return domainName ? `https://${domainName}/${stage}${path}` : path;
}
