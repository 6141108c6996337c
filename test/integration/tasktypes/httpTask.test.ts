import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEPFLEET_LIMITS } from '../../../shared/limits.js';
import { createHttpTaskRunner, type HttpTask } from '../../../shared/tasktypes/httpTask.js';
import { runnerContext } from './runnerContext.js';

const DOCUMENT = {
  data: { version: '1.4.2', items: [{ name: 'a' }, { name: 'b' }] },
  'a/b': { 'm~n': 'escaped' },
  nothing: null,
};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = req.url ?? '/';
    if (url === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(DOCUMENT));
    } else if (url.startsWith('/status/')) {
      res.writeHead(Number(url.slice(8)), { 'content-type': 'text/plain' }).end('status body\n');
    } else if (url === '/slow') {
      // never answers: the task's timeout must end it
    } else if (url === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`[${'"x",'.repeat(400_000)}"x"]`);
    } else if (url.startsWith('/echo')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          method: req.method,
          url,
          authorization: req.headers.authorization ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    } else {
      res.writeHead(404).end();
    }
  });
}

const httpTask = (spec: HttpTask['spec'], exports: string[] = []): HttpTask => ({
  name: 'call',
  type: 'http',
  spec,
  exports: exports.map((name) => ({ name })),
});

describe('http task', () => {
  const runner = createHttpTaskRunner();
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('exports the status, the body and values extracted by JSON pointers', async () => {
    // Act
    const result = await runner.run(
      httpTask({
        url: `${base}/json`,
        extract: {
          version: '/data/version',
          second: '/data/items/1/name',
          escaped: '/a~1b/m~0n',
          items: '/data/items',
          nothing: '/nothing',
        },
      }),
      runnerContext(),
    );

    // Assess
    expect(result.status).toBe('success');
    expect(result.error).toBeNull();
    expect(result.outputs).toEqual({
      status: '200',
      body: JSON.stringify(DOCUMENT),
      version: '1.4.2',
      second: 'b',
      escaped: 'escaped',
      items: '[{"name":"a"},{"name":"b"}]',
      nothing: 'null',
    });
    expect(result.stdout.text).toBe(
      `GET ${base}/json → 200 OK, ${JSON.stringify(DOCUMENT).length} bytes (application/json)\n${JSON.stringify(DOCUMENT)}\n`,
    );
  });

  it('fails a missing JSON pointer with a message naming it', async () => {
    // Act
    const result = await runner.run(
      httpTask({ url: `${base}/json`, extract: { v: '/data/items/7/name' } }),
      runnerContext(),
    );

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toBe(
      'task "call": extract v: the JSON pointer "/data/items/7/name" finds nothing in the response (/data/items is an array of 2 without index "7")',
    );
  });

  it('checks the status against expect_status (default any 2xx)', async () => {
    // Act
    const [notFound, expected, notInList] = await Promise.all([
      runner.run(httpTask({ url: `${base}/status/404` }), runnerContext()),
      runner.run(httpTask({ url: `${base}/status/404`, expect_status: 404 }), runnerContext()),
      runner.run(httpTask({ url: `${base}/status/204`, expect_status: [200, 201] }), runnerContext()),
    ]);

    // Assess
    expect(notFound.status).toBe('failed');
    expect(notFound.error).toBe(
      `task "call": GET ${base}/status/404 answered 404 Not Found, expected a 2xx status`,
    );
    expect(notFound.outputs).toMatchObject({ status: '404' });
    expect(expected.status).toBe('success');
    expect(notInList.error).toBe(
      `task "call": GET ${base}/status/204 answered 204 No Content, expected 200 or 201`,
    );
  });

  it('percent-encodes references in the path and query, and takes a base URL verbatim', async () => {
    // Prepare
    const values = { 'inputs.base': base, 'inputs.id': 'a/b c?', 'inputs.q': 'x&y=1#' };

    // Act
    const result = await runner.run(
      httpTask({
        url: '${{ inputs.base }}/echo/${{ inputs.id }}?q=${{ inputs.q }}',
        extract: { url: '/url' },
      }),
      runnerContext(values),
    );
    const hostile = await runner.run(
      httpTask({ url: 'http://${{ inputs.host }}/echo' }),
      runnerContext({ 'inputs.host': 'evil.example/steal?' }),
    );

    // Assess
    expect(result.outputs.url).toBe('/echo/a%2Fb%20c%3F?q=x%26y%3D1%23');
    expect(hostile.status).toBe('failed');
    expect(hostile.error).toBe(
      'task "call": the value of ${{ inputs.host }} cannot be part of the URL\'s host: it contains / ? # @ \\ or a space',
    );
  });

  it('ends timed_out when the server does not answer in time', async () => {
    // Act
    const result = await runner.run(httpTask({ url: `${base}/slow` }), runnerContext({}, { timeoutMs: 300 }));

    // Assess
    expect(result.status).toBe('timed_out');
    expect(result.error).toBe(`task "call": GET ${base}/slow timed out after 300ms`);
  });

  it('ends cancelled when the run is cancelled during the request', async () => {
    // Prepare
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    // Act
    const result = await runner.run(
      httpTask({ url: `${base}/slow` }),
      runnerContext({}, { signal: controller.signal }),
    );

    // Assess
    expect(result.status).toBe('cancelled');
  });

  it('ends unreachable when the connection is refused', async () => {
    // Prepare: a port that was just free
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const result = await runner.run(httpTask({ url: `http://127.0.0.1:${port}/` }), runnerContext());

    // Assess
    expect(result.status).toBe('unreachable');
    expect(result.error).toBe(
      `task "call": GET http://127.0.0.1:${port}/ could not connect (ECONNREFUSED); nothing was sent`,
    );
  });

  it('masks a confidential value the server echoes back, and in the URL', async () => {
    // Prepare
    const secret = 'tok en/+s3cr3t';
    const values = { 'tasks.fetch-token.outputs.token': secret };

    // Act
    const result = await runner.run(
      httpTask({
        url: `${base}/echo?t=\${{ tasks.fetch-token.outputs.token }}`,
        method: 'POST',
        headers: { Authorization: 'Bearer ${{ tasks.fetch-token.outputs.token }}' },
        body: '{"token": "${{ tasks.fetch-token.outputs.token }}"}',
        extract: { auth: '/authorization' },
      }),
      runnerContext(values, { confidential: [secret] }),
    );

    // Assess: the server saw it; nothing shown contains it, raw or percent-encoded
    expect(result.status).toBe('success');
    expect(result.outputs.auth).toBe(`Bearer ${secret}`);
    const shown = JSON.stringify({ stdout: result.stdout, stderr: result.stderr, error: result.error });
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain(encodeURIComponent(secret));
    expect(result.stdout.text).toContain(`POST ${base}/echo?t=*** → 200 OK`);
    expect(result.stdout.text).toContain('"authorization":"Bearer ***"');
  });

  it('caps the body export and refuses to extract from a body past the read limit', async () => {
    // Act
    const body = await runner.run(httpTask({ url: `${base}/big` }), runnerContext());
    const extract = await runner.run(
      httpTask({ url: `${base}/big`, extract: { first: '/0' } }),
      runnerContext(),
    );

    // Assess
    expect(body.status).toBe('success');
    expect(body.outputs.body).toHaveLength(STEPFLEET_LIMITS.httpBodyExportBytes);
    expect(body.stdout.text).toContain(
      `[stepfleet] the body export keeps the first ${STEPFLEET_LIMITS.httpBodyExportBytes} bytes`,
    );
    expect(body.stdout.droppedBytes).toBeGreaterThan(0);
    expect(extract.status).toBe('failed');
    expect(extract.error).toBe(
      `task "call": the response body is larger than ${STEPFLEET_LIMITS.httpBodyReadBytes} bytes, so extract cannot read it`,
    );
  });

  it('refuses a GET with a body and a missing reference before sending anything', async () => {
    // Act
    const withBody = await runner.run(httpTask({ url: `${base}/echo`, body: 'x' }), runnerContext());
    const missing = await runner.run(httpTask({ url: `${base}/echo/\${{ inputs.nope }}` }), runnerContext());

    // Assess
    expect(withBody.error).toBe('task "call": a GET request cannot have a body; use POST, PUT or PATCH');
    expect(missing.error).toBe('task "call": No value for ${{ inputs.nope }}; nothing was sent');
  });
});
