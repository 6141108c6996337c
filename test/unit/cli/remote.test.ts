import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/runCli.js';

/** A stand-in for the deployed API on loopback: records each request, answers from a table. */
interface Seen {
  method: string;
  url: string;
  authorization: string;
  body: string;
}
const seen: Seen[] = [];
let server: Server;
let api: string;

const RESULT = {
  id: 'run-42',
  taskGroup: 'hello',
  status: 'failed',
  startedAt: '2026-11-23T10:00:00.000Z',
  finishedAt: '2026-11-23T10:00:05.000Z',
  inputs: { who: 'x' },
  results: {
    greet: {
      name: 'greet',
      status: 'failed',
      hosts: {
        'web-1': {
          status: 'failed',
          exitCode: 3,
          stdout: '',
          stderr: 'boom\n',
          stdoutDroppedBytes: 0,
          stderrDroppedBytes: 0,
          startedAt: '2026-11-23T10:00:01.000Z',
          durationMs: 900,
          attempts: 1,
          error: null,
        },
      },
      outputs: {},
    },
  },
  outputs: {},
};

function answer(req: IncomingMessage, body: string): [number, unknown] {
  if (req.method === 'POST' && req.url === '/v1/runs') {
    const request = JSON.parse(body) as { inputs?: Record<string, string> };
    if (request.inputs?.who === 'bad')
      return [
        400,
        {
          error: 'invalid run request',
          details: [{ code: 'INVALID_VALUE', path: 'inputs.who', message: 'input "who" must be one of "x"' }],
        },
      ];
    return [202, { runId: 'run-42', statusUrl: `${api}runs/run-42` }];
  }
  if (req.method === 'GET' && req.url === '/v1/runs/run-42') return [200, RESULT];
  if (req.method === 'GET' && req.url?.startsWith('/v1/runs?'))
    return [200, { runs: [RESULT], cursor: null }];
  if (req.method === 'POST' && req.url === '/v1/runs/run-42/cancel')
    return [202, { runId: 'run-42', status: 'cancel requested' }];
  return [404, { error: 'not found', details: [] }];
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: String(req.headers.authorization ?? ''),
        body,
      });
      const [status, payload] = answer(req, body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
};
const remote = () => ['--api', api, '--region', 'eu-west-1'];

describe('runs of a deployment, through its API', () => {
  it('starts a run with a SigV4-signed POST /runs and prints the run id', async () => {
    const out = await runCli(
      ['start', 'hello', '--input', 'who=x', '--idempotency-key', 'k-1', '--json', ...remote()],
      { env: ENV },
    );
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ runId: 'run-42', statusUrl: `${api}runs/run-42` });
    const post = seen.find((s) => s.method === 'POST' && s.url === '/v1/runs');
    expect(JSON.parse(post?.body ?? '{}')).toMatchObject({
      taskGroup: 'hello',
      inputs: { who: 'x' },
      idempotencyKey: 'k-1',
    });
    expect(post?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
  });

  it("prints the API's details and exits 2 when the request is refused", async () => {
    const out = await runCli(['start', 'hello', '--input', 'who=bad', ...remote()], { env: ENV });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('400 invalid run request');
    expect(out.stderr).toContain('INVALID_VALUE  input "who" must be one of "x" (at inputs.who)');
  });

  it('lists, shows (with the summary table) and cancels with runs … --api', async () => {
    const listed = await runCli(['runs', 'list', '--json', ...remote()], { env: ENV });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).runs[0].id).toBe('run-42');
    const shown = await runCli(['runs', 'show', 'run-42', ...remote()], { env: ENV });
    expect(shown.code).toBe(1);
    expect(shown.stdout).toMatch(/│ greet\s+│ failed/);
    expect(shown.stdout).toMatch(/│ web-1\s+│ failed\s+│ 3\s+│ boom/);
    const cancelled = await runCli(['runs', 'cancel', 'run-42', ...remote()], { env: ENV });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('run run-42: cancel requested');
    expect(seen.filter((s) => s.authorization.startsWith('AWS4-HMAC-SHA256')).length).toBe(seen.length);
  });
});
