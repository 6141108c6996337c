import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { type OpenStore, type StoreWorker, startStoreWorker } from './storeWorker.js';

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

/** What the SDK hands its request handler, and what it takes back. */
interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * An SDK request handler that hands requests to the store's thread as messages instead of HTTP on
 * loopback. The SDK does all else as for any endpoint: serialising, signing, retries, parsing.
 */
function inProcessHandler(
  store: Pick<OpenStore, 'send'>,
): NonNullable<DynamoDBClientConfig['requestHandler']> {
  const handler = {
    metadata: { handlerProtocol: 'in-process' },
    async handle(request: SdkRequest) {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(request.query ?? {}))
        for (const one of Array.isArray(value) ? value : [value]) query.append(name, one ?? '');
      const search = query.toString();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const answer = await store.send({
        method: request.method,
        url: search === '' ? request.path : `${request.path}?${search}`,
        headers,
        body: bodyText(request.body),
      });
      return {
        response: { statusCode: answer.statusCode, headers: answer.headers, body: Buffer.from(answer.body) },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return handler as unknown as NonNullable<DynamoDBClientConfig['requestHandler']>;
}

/** A request body as text: the SDK builds it as bytes (a `Uint8Array` subclass) or a string. */
function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  // A view of the same bytes whose toString is Buffer's own (the SDK's subclass warns on it).
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new TypeError(`the embedded store cannot send a request body of type ${typeof body}`);
}

/**
 * An SDK v3 client for an embedded store (any region, dummy credentials: dynalite checks neither),
 * over HTTP to `endpoint`, or through `store` in this process when given.
 */
export function embeddedDynamoClient(endpoint: string, store?: Pick<OpenStore, 'send'>): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    ...(store ? { requestHandler: inProcessHandler(store) } : {}),
  });
  for (const name of UNNEEDED_MIDDLEWARE) client.middlewareStack.remove(name);
  return client;
}

/**
 * Starts dynalite in a worker thread of this process: in memory, or on disk under `path`
 * (LevelDB), which is how local runs are kept between invocations of the CLI. The thread keeps
 * the store's own work (validation, LevelDB) off the thread that drives the run. Its client is the
 * real AWS SDK, whose requests go to dynalite's own request handler as messages between the
 * threads rather than HTTP on loopback; the HTTP endpoint is there too, for other clients. A
 * `worker` started earlier ({@link startStoreWorker}) is used when given.
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
  const client = embeddedDynamoClient(server.endpoint, server);
  return {
    client,
    endpoint: server.endpoint,
    stop: async () => {
      client.destroy();
      await server.stop();
    },
  };
}
