import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiEvent,
  DATA_KEY_TEXT,
  lambdaContext,
  lambdaEnvironment,
  STATE_MACHINE_ARN,
} from './lambdaEnvironment.js';

type Handler = (
  event: APIGatewayProxyEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewayProxyResult>;

const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
const events = mockClient(EventBridgeClient);

let env: Awaited<ReturnType<typeof lambdaEnvironment>>;
let start: Handler;
let get: Handler;
let list: Handler;
let cancel: Handler;

const post = (body: unknown) => apiEvent({ method: 'POST', resource: '/runs', path: '/runs', body });
const call = async (handler: Handler, event: APIGatewayProxyEvent) => {
  const response = await handler(event, lambdaContext());
  return { status: response.statusCode, body: JSON.parse(response.body) };
};

beforeAll(async () => {
  env = await lambdaEnvironment();
  start = (await import('../../../lambdas/api/start-run.js')).handler as unknown as Handler;
  get = (await import('../../../lambdas/api/get-run.js')).handler as unknown as Handler;
  list = (await import('../../../lambdas/api/list-runs.js')).handler as unknown as Handler;
  cancel = (await import('../../../lambdas/api/cancel-run.js')).handler as unknown as Handler;
}, 60_000);
afterAll(async () => {
  await env.restore();
  sfn.restore();
  secrets.restore();
  events.restore();
});
beforeEach(() => {
  sfn.reset();
  secrets.reset();
  events.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: DATA_KEY_TEXT });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

describe('POST /runs', () => {
  it('202: records the run and starts its state machine named after the run, with { runId } only', async () => {
    // Prepare
    const event = post({ taskGroup: 'deploy-web', inputs: { env: 'prod', version: '2.0.0' } });
    // Act
    const { status, body } = await call(start, event);
    // Assess
    expect(status).toBe(202);
    expect(body.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.statusUrl).toBe(`https://abc123.execute-api.us-east-1.amazonaws.com/v1/runs/${body.runId}`);
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE_ARN('deploy-web'),
      name: body.runId,
      input: JSON.stringify({ runId: body.runId }),
    });
    const published = events.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(published.map((e) => [e.Source, e.DetailType, JSON.parse(e.Detail ?? '{}').status])).toEqual([
      ['stepfleet', 'Stepfleet Run Status Change', 'running'],
    ]);
  });

  it('400: lists every problem with the inputs, located, and starts nothing', async () => {
    const { status, body } = await call(
      start,
      post({ taskGroup: 'deploy-web', inputs: { env: 'qa', colour: 'red' } }),
    );
    expect(status).toBe(400);
    expect(body.error).toMatch(/refused: 2 problems/);
    expect(body.details.map((d: { code: string; path: string }) => [d.code, d.path]).sort()).toEqual([
      ['INVALID_VALUE', 'inputs.env'],
      ['UNKNOWN_INPUT', 'inputs.colour'],
    ]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('400: refuses unknown body keys and malformed JSON', async () => {
    const unknownKey = await call(start, post({ taskGroup: 'hello', target: ['web-1'] }));
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.details[0]).toMatchObject({ code: 'UNKNOWN_KEY', path: 'body' });
    const malformed = await call(start, post('{"taskGroup":'));
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      error: 'the body is not valid JSON',
      details: [expect.objectContaining({ code: 'INVALID_BODY' })],
    });
  });

  it('400: a target selector that matches no host', async () => {
    const { status, body } = await call(start, post({ taskGroup: 'fleet-facts', targets: ['nosuch-*'] }));
    expect(status).toBe(400);
    expect(body.details.some((d: { code: string }) => d.code === 'SELECTOR_NO_MATCH')).toBe(true);
  });

  it('404: an unknown TaskGroup', async () => {
    const { status, body } = await call(start, post({ taskGroup: 'deploy-wbe' }));
    expect(status).toBe(404);
    expect(body).toMatchObject({
      error: 'TaskGroup "deploy-wbe" is not deployed',
      details: [{ code: 'UNKNOWN_TASK_GROUP' }],
    });
  });

  it('idempotent retry: the same key and body answer the same run, the execution is not doubled', async () => {
    const request = { taskGroup: 'hello', inputs: { who: 'ops' }, idempotencyKey: 'deploy-2025-03-01' };
    const first = await call(start, post(request));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const again = await call(start, post(request));
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.runId).toBe(first.body.runId);
    expect(again.body.created).toBe(false);
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([first.body.runId, first.body.runId]);
  });

  it('409: the same key with a different request', async () => {
    await call(start, post({ taskGroup: 'hello', inputs: { who: 'a' }, idempotencyKey: 'k-409' }));
    const { status, body } = await call(
      start,
      post({ taskGroup: 'hello', inputs: { who: 'b' }, idempotencyKey: 'k-409' }),
    );
    expect(status).toBe(409);
    expect(body.details[0]).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', path: 'idempotencyKey' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('500 without detail when Step Functions fails; the unretryable run is closed, not left running', async () => {
    sfn.on(StartExecutionCommand).rejects(new Error('boom'));
    const { status, body } = await call(start, post({ taskGroup: 'hello' }));
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'internal error', details: [] });
    const runs = await call(
      list,
      apiEvent({ method: 'GET', resource: '/runs', path: '/runs', query: { taskGroup: 'hello' } }),
    );
    expect(
      runs.body.runs.filter((r: { status: string }) => r.status === 'running').length,
    ).toBeLessThanOrEqual(2);
  });
});

describe('GET /runs/{id}, GET /runs, POST /runs/{id}/cancel', () => {
  it('shows a run as DESIGN §5 describes, lists it, and cancels it once', async () => {
    const started = await call(start, post({ taskGroup: 'deploy-web', inputs: { env: 'staging' } }));
    const id = started.body.runId as string;
    const byId = (method: 'GET' | 'POST', suffix = '') =>
      apiEvent({
        method,
        resource: `/runs/{id}${suffix}`,
        path: `/runs/${id}${suffix}`,
        pathParameters: { id },
      });

    const shown = await call(get, byId('GET'));
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id,
      taskGroup: 'deploy-web',
      status: 'running',
      inputs: { env: 'staging' },
    });

    const listed = await call(
      list,
      apiEvent({
        method: 'GET',
        resource: '/runs',
        path: '/runs',
        query: { taskGroup: 'deploy-web', limit: '5' },
      }),
    );
    expect(listed.status).toBe(200);
    expect(listed.body.runs.map((r: { id: string }) => r.id)).toContain(id);

    const cancelled = await call(cancel, byId('POST', '/cancel'));
    expect(cancelled).toEqual({ status: 202, body: { runId: id, status: 'cancelling' } });
    expect((await call(get, byId('GET'))).body.cancelRequested ?? true).toBeTruthy();
  });

  it('404 for an unknown run, 400 for a malformed id or query', async () => {
    const missing = await call(
      get,
      apiEvent({ method: 'GET', resource: '/runs/{id}', path: '/runs/nope', pathParameters: { id: 'nope' } }),
    );
    expect(missing.status).toBe(404);
    const cancelMissing = await call(
      cancel,
      apiEvent({
        method: 'POST',
        resource: '/runs/{id}/cancel',
        path: '/runs/nope/cancel',
        pathParameters: { id: 'nope' },
      }),
    );
    expect(cancelMissing.status).toBe(404);
    const badId = await call(
      get,
      apiEvent({ method: 'GET', resource: '/runs/{id}', path: '/runs/%20', pathParameters: { id: ' x' } }),
    );
    expect(badId.status).toBe(400);
    const badQuery = await call(
      list,
      apiEvent({ method: 'GET', resource: '/runs', path: '/runs', query: { limit: '0' } }),
    );
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.details[0]).toMatchObject({ path: 'query.limit' });
  });
});
