import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { RemoteApi, RemoteApiError } from '../../../cli/commands/remoteApi.js';
import { SecretDataKeyCipher } from '../../../lambdas/runtime/SecretDataKeyCipher.js';
import { scheduledRunId } from '../../../lambdas/runtime/scheduledRunId.js';
import { DATA_KEY_TEXT } from './lambdaEnvironment.js';

describe('SecretDataKeyCipher', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterAll(() => secrets.restore());

  it('round-trips values under the data key, fetching the key once per container', async () => {
    // Prepare
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: DATA_KEY_TEXT });
    const cipher = new SecretDataKeyCipher(new SecretsManagerClient({ region: 'us-east-1' }), 'key-secret');
    // Act
    const [a, b] = await Promise.all([cipher.encrypt('s3cr3t'), cipher.encrypt('s3cr3t')]);
    // Assess
    expect(a).toMatch(/^aesgcm1:/);
    expect(a).not.toBe(b);
    expect(await cipher.decrypt(a)).toBe('s3cr3t');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: 'key-secret' });
  });

  it('retries the key fetch after a failure, and refuses a short secret', async () => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: 'short' });
    const cipher = new SecretDataKeyCipher(new SecretsManagerClient({ region: 'us-east-1' }), 'key-secret');
    await expect(cipher.encrypt('x')).rejects.toThrow('throttled');
    await expect(cipher.encrypt('x')).rejects.toThrow(/fewer than 32 characters/);
  });
});

describe('scheduledRunId', () => {
  it('is the same for every delivery of one occurrence and differs between occurrences', () => {
    expect(scheduledRunId('deploy-web', '2025-03-01T03:00:00Z')).toBe('sched-deploy-web-20250301T030000Z');
    expect(scheduledRunId('deploy-web', '2025-03-01T03:00:00.000Z')).toBe(
      'sched-deploy-web-20250301T030000Z',
    );
    expect(scheduledRunId('deploy-web', '2025-03-02T03:00:00Z')).not.toBe(
      scheduledRunId('deploy-web', '2025-03-01T03:00:00Z'),
    );
  });

  it('stays within the 80-character execution name limit, unique per group', () => {
    const long = `a${'b'.repeat(62)}`;
    const other = `a${'b'.repeat(61)}c`;
    const id = scheduledRunId(long, '2025-03-01T03:00:00Z');
    expect(id.length).toBeLessThanOrEqual(80);
    expect(id).not.toBe(scheduledRunId(other, '2025-03-01T03:00:00Z'));
    expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
  });
});

describe('RemoteApi (CLI client of the deployed API)', () => {
  it('signs every request with SigV4 for execute-api in the URL’s region', async () => {
    const seen: { url: string; headers: Record<string, string>; body: unknown }[] = [];
    const fakeFetch = (async (url: URL, init: RequestInit) => {
      seen.push({ url: String(url), headers: init.headers as Record<string, string>, body: init.body });
      return new Response(JSON.stringify({ runId: 'r1', statusUrl: 'u' }), { status: 202 });
    }) as unknown as typeof fetch;
    const api = new RemoteApi({
      url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      fetch: fakeFetch,
    });
    const answer = await api.request('POST', 'runs', { taskGroup: 'hello' });
    expect(answer).toEqual({ runId: 'r1', statusUrl: 'u' });
    expect(seen[0]?.url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/runs');
    expect(seen[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host/,
    );
    expect(seen[0]?.headers['x-amz-content-sha256'] ?? seen[0]?.headers['x-amz-date']).toBeDefined();
  });

  it('turns {error, details} answers into RemoteApiError', async () => {
    const fakeFetch = (async () =>
      new Response(
        JSON.stringify({
          error: 'refused',
          details: [{ code: 'UNKNOWN_INPUT', message: 'm', path: 'inputs.x' }],
        }),
        {
          status: 400,
        },
      )) as unknown as typeof fetch;
    const api = new RemoteApi({
      url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1',
      credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      fetch: fakeFetch,
    });
    const error = await api.request('GET', 'runs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteApiError);
    expect(error).toMatchObject({ status: 400, details: [{ code: 'UNKNOWN_INPUT' }] });
  });
});
