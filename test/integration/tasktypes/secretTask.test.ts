import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretTaskRunner, type SecretTask } from '../../../shared/tasktypes/secretTask.js';
import { runnerContext } from './runnerContext.js';

const CANARY = 'canary-7f3a9c-s3cr3t';
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

const secretTask = (spec: SecretTask['spec']): SecretTask => ({
  name: 'fetch-token',
  type: 'secret',
  spec,
  exports: [{ name: 'token', confidential: true }],
});

/** Everything in the result but `outputs`, as text: the canary must never be in it. */
const withoutOutputs = (result: object): string => JSON.stringify({ ...result, outputs: undefined });

describe('secret task', () => {
  const ssm = mockClient(SSMClient);
  const secrets = mockClient(SecretsManagerClient);
  const regions: string[] = [];
  const runner = createSecretTaskRunner({
    ssm: (region) => {
      regions.push(`ssm:${region ?? 'default'}`);
      return new SSMClient({ region: region ?? 'eu-west-1', credentials });
    },
    secretsManager: (region) => {
      regions.push(`sm:${region ?? 'default'}`);
      return new SecretsManagerClient({ region: region ?? 'eu-west-1', credentials });
    },
  });

  beforeEach(() => {
    ssm.reset();
    secrets.reset();
  });
  afterAll(() => {
    ssm.restore();
    secrets.restore();
  });

  it('reads a SecureString parameter with decryption into the single export', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Name: '/deploy/token', Type: 'SecureString', Value: CANARY, Version: 3 },
    });

    // Act
    const result = await runner.run(
      secretTask({ parameter: '/deploy/${{ inputs.env }}/token' }),
      runnerContext({ 'inputs.env': 'prod' }),
    );

    // Assess
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/deploy/prod/token', WithDecryption: true },
    ]);
    expect(result).toMatchObject({
      status: 'success',
      outputs: { token: CANARY },
      stdout: { text: 'read parameter /deploy/prod/token (SecureString, version 3)\n', droppedBytes: 0 },
      stderr: { text: '', droppedBytes: 0 },
      error: null,
      exitCode: null,
    });
    expect(withoutOutputs(result)).not.toContain(CANARY);
  });

  it('reads one key of a JSON secret from Secrets Manager in the region the spec names', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ username: 'deploy', password: CANARY, port: 5432 }),
      VersionId: 'v-1',
    });

    // Act
    const password = await runner.run(
      secretTask({ secret_id: 'prod/db', json_key: 'password', region: 'us-east-2' }),
      runnerContext(),
    );
    const port = await runner.run(
      secretTask({ secret_id: 'prod/db', json_key: 'port', region: 'us-east-2' }),
      runnerContext(),
    );

    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: 'prod/db' },
      { SecretId: 'prod/db' },
    ]);
    expect(await secrets.commandCalls(GetSecretValueCommand)[0]?.thisValue.config.region()).toBe('us-east-2');
    expect(regions.filter((r) => r === 'sm:us-east-2')).toHaveLength(1); // one client per region
    expect(password).toMatchObject({ status: 'success', outputs: { token: CANARY } });
    expect(password.stdout.text).toBe('read secret prod/db (version v-1), key "password"\n');
    expect(port.outputs).toEqual({ token: '5432' });
    expect(withoutOutputs(password)).not.toContain(CANARY);
  });

  it('reads a whole plain secret', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: CANARY });

    // Act
    const result = await runner.run(
      secretTask({ secret_id: 'arn:aws:secretsmanager:eu-west-1:1:secret:t' }),
      runnerContext(),
    );

    // Assess
    expect(result.outputs).toEqual({ token: CANARY });
    expect(withoutOutputs(result)).not.toContain(CANARY);
  });

  it.each([
    [
      'a key the JSON secret lacks',
      JSON.stringify({ user: 'u', pass: CANARY }),
      'pasword',
      'secret prod/db has no key "pasword"; its keys are "user", "pass"',
    ],
    [
      'a secret that is not JSON',
      `${CANARY} not json`,
      'pass',
      'secret prod/db is not JSON, so json_key "pass" cannot select from it',
    ],
    [
      'a JSON secret that is not an object',
      JSON.stringify([CANARY]),
      'pass',
      'secret prod/db is not a JSON object, so json_key "pass" cannot select from it',
    ],
  ])('fails on %s without showing the value', async (_what, secretString, jsonKey, message) => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretString });

    // Act
    const result = await runner.run(secretTask({ secret_id: 'prod/db', json_key: jsonKey }), runnerContext());

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toBe(`task "fetch-token": ${message}`);
    expect(result.outputs).toEqual({});
    expect(JSON.stringify(result)).not.toContain(CANARY);
  });

  it('fails clearly when the parameter or secret does not exist or access is denied', async () => {
    // Prepare
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(
        new ResourceNotFoundException({
          message: "Secrets Manager can't find the specified secret.",
          $metadata: {},
        }),
      )
      .rejectsOnce(
        Object.assign(
          new Error(
            'User: arn:aws:sts::1:assumed-role/r is not authorized to perform: secretsmanager:GetSecretValue',
          ),
          {
            name: 'AccessDeniedException',
          },
        ),
      );

    // Act
    const missingParameter = await runner.run(secretTask({ parameter: '/nope' }), runnerContext());
    const missingSecret = await runner.run(secretTask({ secret_id: 'nope' }), runnerContext());
    const denied = await runner.run(secretTask({ secret_id: 'locked' }), runnerContext());

    // Assess
    expect([missingParameter, missingSecret, denied].map((r) => [r.status, r.error])).toEqual([
      ['failed', 'task "fetch-token": parameter /nope not found (ParameterNotFound)'],
      ['failed', 'task "fetch-token": secret nope not found (ResourceNotFoundException)'],
      [
        'failed',
        'task "fetch-token": access denied reading secret locked: User: arn:aws:sts::1:assumed-role/r is not authorized to perform: secretsmanager:GetSecretValue',
      ],
    ]);
  });

  it('fails a reference without a value before calling AWS', async () => {
    // Act
    const result = await runner.run(secretTask({ parameter: '/x/${{ inputs.missing }}' }), runnerContext());

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toBe('task "fetch-token": No value for ${{ inputs.missing }}.');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('ends cancelled when the run is cancelled', async () => {
    // Prepare
    const controller = new AbortController();
    controller.abort();

    // Act
    const result = await runner.run(
      secretTask({ parameter: '/x' }),
      runnerContext({}, { signal: controller.signal }),
    );

    // Assess
    expect(result.status).toBe('cancelled');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });
});
