import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One HTTP request to the store, as the SDK built it. */
export interface StoreRequest {
  method: string;
  /** Path and query string. */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** The store's answer to a {@link StoreRequest}. */
export interface StoreResponse {
  statusCode: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** An open embedded store. */
export interface OpenStore {
  /** Its HTTP endpoint on 127.0.0.1, for any client (the Lambda handlers' under test use it). */
  endpoint: string;
  /**
   * Hands one request to the store's own request handler in its thread, skipping HTTP on
   * loopback: the same handler answers as over the endpoint, with less work on both threads.
   */
  send(request: StoreRequest): Promise<StoreResponse>;
  /** Closes the server and the database, and ends the thread. */
  stop(): Promise<void>;
}

/** The embedded store's thread, started before it is needed (see {@link startStoreWorker}). */
export interface StoreWorker {
  /** Starts dynalite on 127.0.0.1 (a random port): in memory, or on disk under `path` (LevelDB). */
  open(options?: { path?: string }): Promise<OpenStore>;
  /** Ends the thread without ever having opened anything. */
  discard(): Promise<void>;
}

/**
 * The worker's code: it loads dynalite at once, then waits to be told where to open its database,
 * so that nothing is created on disk for a request that turns out to be invalid. Plain CommonJS
 * text, so the worker needs no TypeScript loader.
 */
const WORKER_SOURCE = `
const { EventEmitter } = require('node:events');
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require(workerData.dynalite);
let server;
let handle;
// What dynalite's request handler uses of a request and a response, and nothing more.
function serve({ id, method, url, headers, body }) {
  const request = Object.assign(new EventEmitter(), { method, url, headers });
  const response = {
    statusCode: 200,
    headers: {},
    setHeader(name, value) { this.headers[name.toLowerCase()] = String(value); },
    end(text) {
      parentPort.postMessage({ response: { id, statusCode: this.statusCode, headers: this.headers, body: text === undefined ? '' : String(text) } });
    },
  };
  handle(request, response);
  if (body) request.emit('data', Buffer.from(body));
  request.emit('end');
}
parentPort.on('message', (message) => {
  if (message && message.request) {
    serve(message.request);
  } else if (message && message.open) {
    const { path } = message.open;
    server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    server.once('error', (error) => parentPort.postMessage({ error: String(error && error.message || error) }));
    handle = server.listeners('request')[0];
    server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
  } else if (message === 'stop') {
    if (!server) process.exit(0);
    server.close(() => {
      const db = server.db;
      if (db && db.close) db.close(() => process.exit(0));
      else process.exit(0);
    });
  }
});
`;

/**
 * Starts the embedded store's thread, which loads dynalite while this thread goes on (parsing the
 * request, loading the SDK): on a two-core machine that start-up otherwise sits on the path to
 * the first host. Until {@link StoreWorker.open} is called the thread does not keep the process
 * alive and touches no file.
 */
export function startStoreWorker(): StoreWorker {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { dynalite: createRequire(import.meta.url).resolve('dynalite') },
  });
  worker.unref();
  // Once the thread is gone, everything asked of it fails at once with this (a message to a dead
  // thread would never be answered): opening, and requests waiting or still to come.
  let gone: Error | undefined;
  worker.on('error', (error) => {
    gone ??= new Error(`the embedded store failed: ${error.message}`);
  });
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      gone ??= new Error(`the embedded store stopped (thread exit code ${code})`);
      resolve();
    }),
  );
  return {
    open: async (options = {}) => {
      worker.ref();
      const port = await new Promise<number>((resolve, reject) => {
        if (gone) return reject(gone);
        worker.once('error', () => reject(gone));
        void exited.then(() => reject(gone));
        worker.once('message', (message: { port?: number; error?: string }) => {
          if (message.port) resolve(message.port);
          else reject(new Error(message.error ?? 'the embedded store did not start'));
        });
        worker.postMessage({ open: { path: options.path } });
      });
      const pending = new Map<number, { resolve: (r: StoreResponse) => void; reject: (e: Error) => void }>();
      let nextId = 0;
      worker.on('message', (message: { response?: StoreResponse & { id: number } }) => {
        const { response } = message;
        if (response === undefined) return;
        pending.get(response.id)?.resolve(response);
        pending.delete(response.id);
      });
      void exited.then(() => {
        for (const { reject } of pending.values()) reject(gone as Error);
        pending.clear();
      });
      return {
        endpoint: `http://127.0.0.1:${port}`,
        send: (request) =>
          new Promise<StoreResponse>((resolve, reject) => {
            if (gone) return reject(gone);
            const id = nextId++;
            pending.set(id, { resolve, reject });
            worker.postMessage({ request: { id, ...request } });
          }),
        stop: async () => {
          worker.postMessage('stop');
          await exited;
        },
      };
    },
    discard: async () => {
      await worker.terminate();
    },
  };
}
