import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The embedded store's thread, started before it is needed (see {@link startStoreWorker}). */
export interface StoreWorker {
  /**
   * Starts dynalite on 127.0.0.1 (a random port): in memory, or on disk under `path` (LevelDB).
   * Resolves with its endpoint and a `stop` that closes the server and the database.
   */
  open(options?: { path?: string }): Promise<{ endpoint: string; stop(): Promise<void> }>;
  /** Ends the thread without ever having opened anything. */
  discard(): Promise<void>;
}

/**
 * The worker's code: it loads dynalite at once, then waits to be told where to open its database,
 * so that nothing is created on disk for a request that turns out to be invalid. Plain CommonJS
 * text, so the worker needs no TypeScript loader.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const dynalite = require(workerData.dynalite);
let server;
parentPort.on('message', (message) => {
  if (message && message.open) {
    const { path } = message.open;
    server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    server.once('error', (error) => parentPort.postMessage({ error: String(error && error.message || error) }));
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
  // Reported by open(); a thread that is discarded or never opened has no one to tell.
  let failure: Error | undefined;
  worker.once('error', (error) => {
    failure = error;
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return {
    open: async (options = {}) => {
      worker.ref();
      const port = await new Promise<number>((resolve, reject) => {
        if (failure) return reject(failure);
        worker.once('error', reject);
        void exited.then((code) => reject(new Error(`the embedded store exited (code ${code})`)));
        worker.once('message', (message: { port?: number; error?: string }) => {
          if (message.port) resolve(message.port);
          else reject(new Error(message.error ?? 'the embedded store did not start'));
        });
        worker.postMessage({ open: { path: options.path } });
      });
      return {
        endpoint: `http://127.0.0.1:${port}`,
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
