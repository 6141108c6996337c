import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { readStackConfig } from '../../../cdk/config.js';
import { loadDeployment } from '../../../cdk/loadDeployment.js';
import type { DeploymentBundle } from '../../../lambdas/runtime/DeploymentBundle.js';
import { ENV } from '../../../lambdas/runtime/env.js';
import { createTable } from '../../../shared/store/createTable.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';

export const ROOT = join(import.meta.dirname, '../../..');
/** Any 32+ character text works as the data key secret. */
export const DATA_KEY_TEXT = `${'k'.repeat(20)}test-data-key-0123456789abcdef`;
export const STATE_MACHINE_ARN = (group: string) =>
  `arn:aws:states:us-east-1:123456789012:stateMachine:stepfleet-${group}`;

/**
 * The environment a deployed function finds, built locally: the deployment bundle of the example
 * TaskGroups (as `cdk synth` builds it), a dynalite table, and the stack's variables. Call before
 * importing a handler module (handlers read it at module scope).
 */
export async function lambdaEnvironment(
  bundleOverride?: (bundle: DeploymentBundle) => DeploymentBundle,
): Promise<{ dynamo: LocalDynamo; tableName: string; bundle: DeploymentBundle; restore(): Promise<void> }> {
  const dynamo = await startDynalite();
  const tableName = dynamo.uniqueTableName();
  await createTable(dynamo.client, tableName);
  const config = readStackConfig({
    'stepfleet:taskGroupsDir': 'examples',
    'stepfleet:inventory': 'examples/inventory.yaml',
    'stepfleet:scheduleInputs': { 'deploy-web': { env: 'staging' } },
  });
  const deployment = await loadDeployment(config, ROOT);
  const bundle = bundleOverride ? bundleOverride(deployment.bundle) : deployment.bundle;
  const dir = mkdtempSync(join(tmpdir(), 'stepfleet-lambda-'));
  const file = join(dir, 'deployment.json');
  writeFileSync(file, JSON.stringify(bundle));
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    [ENV.table]: tableName,
    [ENV.dataKeySecret]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stepfleet-data-key-AbCdEf',
    [ENV.stateMachines]: JSON.stringify(
      Object.fromEntries(Object.keys(bundle.taskGroups).map((g) => [g, STATE_MACHINE_ARN(g)])),
    ),
    [ENV.deploymentFile]: file,
  });
  return {
    dynamo,
    tableName,
    bundle,
    restore: async () => {
      process.env = saved;
      await dynamo.stop();
    },
  };
}

/** A Lambda context as the runtime passes it. */
export function lambdaContext(remainingMs = 20_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'stepfleet-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:stepfleet-test',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/stepfleet-test',
    logStreamName: '2025/01/01/[$LATEST]abc',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A REST API (v1) Lambda proxy event, as API Gateway sends it for an IAM-authorized method. */
export function apiEvent(input: {
  method: 'GET' | 'POST';
  resource: string;
  path: string;
  body?: unknown;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}): APIGatewayProxyEvent {
  const headers: Record<string, string> = { Host: 'abc123.execute-api.us-east-1.amazonaws.com' };
  if (input.body !== undefined) headers['Content-Type'] = 'application/json';
  return {
    resource: input.resource,
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: input.query ?? null,
    multiValueQueryStringParameters: input.query
      ? Object.fromEntries(Object.entries(input.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: input.pathParameters ?? null,
    stageVariables: null,
    body:
      input.body === undefined
        ? null
        : typeof input.body === 'string'
          ? input.body
          : JSON.stringify(input.body),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      httpMethod: input.method,
      path: `/v1${input.path}`,
      protocol: 'HTTP/1.1',
      requestId: 'req-1',
      requestTimeEpoch: Date.now(),
      resourceId: 'res1',
      resourcePath: input.resource,
      stage: 'v1',
      identity: {
        accessKey: 'AKIAEXAMPLE',
        accountId: '123456789012',
        apiKey: null,
        apiKeyId: null,
        caller: 'AIDAEXAMPLE',
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.7',
        user: 'AIDAEXAMPLE',
        userAgent: 'stepfleet-cli',
        userArn: 'arn:aws:iam::123456789012:user/ops',
      },
    },
  };
}
