import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type StoreWorker, startStoreWorker } from './storeWorker.js';

/** A DynamoDB-compatible server embedded in this process, and an SDK v3 client for it. */
export interface EmbeddedDynamo {
  client: DynamoDBClient;
  endpoint: string;
  stop(): Promise<void>;
}

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
 * over loopback HTTP through the real AWS SDK, exactly as they would reach DynamoDB. A `worker`
 * started earlier ({@link startStoreWorker}) is used when given.
 */
export async function startEmbeddedDynamo(
  options: { path?: string; worker?: StoreWorker } = {},
): Promise<EmbeddedDynamo> {
  const worker = options.worker ?? startStoreWorker();
  const server = await worker
    .open(options.path === undefined ? {} : { path: options.path })
    .catch(async (error: unknown) => {
      await worker.discard();
      throw error;
    });
  const client = embeddedDynamoClient(server.endpoint);
  return {
    client,
    endpoint: server.endpoint,
    stop: async () => {
      client.destroy();
      await server.stop();
    },
  };
}
