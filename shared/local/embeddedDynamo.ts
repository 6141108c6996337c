import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A DynamoDB-compatible server embedded in this process, and an SDK v3 client for it. */
export interface EmbeddedDynamo {
  client: DynamoDBClient;
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * The worker's code: dynalite on 127.0.0.1 (a random port), reporting its port, closing its
 * server and its LevelDB on `stop`. Plain CommonJS text, so the worker needs no TypeScript loader.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require(workerData.dynalite);
const server = dynalite({ ...(workerData.path ? { path: workerData.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => parentPort.postMessage({ error: String(error && error.message || error) }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  server.close(() => {
    const db = server.db;
    if (db && db.close) db.close(() => process.exit(0));
    else process.exit(0);
  });
});
`;

/**
 * Per-request steps of the SDK that do nothing for a store in this process: the log step builds a
 * redacted copy of every request and response even with no logger, the user agent is for AWS's
 * metrics, recursion detection carries Lambda trace ids. A run makes two requests per host.
 */
const UNNEEDED_MIDDLEWARE = ['loggerMiddleware', 'getUserAgentMiddleware', 'recursionDetectionMiddleware'];

/** An SDK v3 client for an embedded store (any region, dummy credentials: dynalite checks neither). */
export function embeddedDynamoClient(endpoint: string): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  for (const name of UNNEEDED_MIDDLEWARE) client.middlewareStack.remove(name);
  return client;
}

/**
 * Starts dynalite in a worker thread of this process: in memory, or on disk under `path`
 * (LevelDB), which is how local runs are kept between invocations of the CLI. The thread keeps
 * the store's own work (validation, LevelDB) off the thread that drives the run; requests reach it
 * over loopback HTTP through the real AWS SDK, exactly as they would reach DynamoDB.
 */
export async function startEmbeddedDynamo(options: { path?: string } = {}): Promise<EmbeddedDynamo> {
  const dynalitePath = createRequire(import.meta.url).resolve('dynalite');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { dynalite: dynalitePath, path: options.path },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the embedded store exited (code ${code})`)));
    worker.once('message', (message: { port?: number; error?: string }) => {
      if (message.port) resolve(message.port);
      else reject(new Error(message.error ?? 'the embedded store did not start'));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = embeddedDynamoClient(endpoint);
  return {
    client,
    endpoint,
    stop: async () => {
      client.destroy();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      await exited;
    },
  };
}
