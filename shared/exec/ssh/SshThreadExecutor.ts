import { Worker } from 'node:worker_threads';
import type { Host } from '../../inventory/Host.js';
import { failedWithoutOutput } from '../failedWithoutOutput.js';
import type { ExecutionRequest, ExecutionResult, HostExecutor } from '../HostExecutor.js';
import type { SshExecutorOptions } from './SshExecutor.js';

/** Messages to the SSH thread. */
export type ToSshThread =
  | { kind: 'run'; id: number; request: Omit<ExecutionRequest, 'signal'> }
  | { kind: 'abort'; id: number }
  | { kind: 'connect'; id: number; host: Host }
  | { kind: 'release'; host: Host }
  | { kind: 'close'; id: number };

/** Messages from the SSH thread: a call's end, with the execution's result (or failure) for a `run`. */
export type FromSshThread = { kind: 'done'; id: number; result?: ExecutionResult; error?: string };

/** What the thread is given at start: the {@link SshExecutor} options that are plain data. */
export type SshThreadOptions = Omit<SshExecutorOptions, 'resolveIdentitySecret'>;

/**
 * An {@link SshExecutor} in a worker thread of its own. In a local run one thread drives the
 * engine, the run store's client and every SSH connection; SSH (handshakes, ciphers, channels)
 * is the larger part, and on a machine whose cores are busy (with the hosts of a test fleet, or
 * anything else) that one thread, not the cores, set the pace. Apart, the two go on side by side
 * (measured: a 200-host run left about half as much core time idle, and took 5% less time).
 *
 * Requests and results cross as structured clones; an abort signal becomes a message. Should the
 * thread die, each execution it held ends `failed` with the reason (the command may have run: the
 * error says so), and the next call starts a new thread. The thread keeps the process alive only
 * while a call is outstanding.
 */
export class SshThreadExecutor implements HostExecutor {
  readonly #options: SshThreadOptions;
  readonly #calls = new Map<
    number,
    { settle: (message: FromSshThread) => void; lost: (why: string) => void }
  >();
  #thread: Worker | undefined;
  /** Whether anything was asked of the current thread: if not, it has no connection to end. */
  #asked = false;
  #nextId = 0;

  constructor(options: SshThreadOptions = {}) {
    this.#options = options;
  }

  /**
   * Starts the thread now, so that it loads ssh2 while the caller goes on (the first call starts
   * it otherwise). Until a call is made it does not keep the process alive.
   */
  start(): void {
    this.#started();
  }

  /** Runs one request in the SSH thread; never throws for a host problem. */
  run(request: ExecutionRequest): Promise<ExecutionResult> {
    const { signal, ...plain } = request;
    return new Promise<ExecutionResult>((resolve) => {
      const id = this.#post((next) => ({ kind: 'run', id: next, request: plain }), {
        settle: (message) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(
            message.result ?? lostResult(request, `the SSH thread failed: ${message.error ?? 'no result'}`),
          );
        },
        lost: (why) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lostResult(request, why));
        },
      });
      const onAbort = () => this.#thread?.postMessage({ kind: 'abort', id } satisfies ToSshThread);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Opens the host's connection in the SSH thread (see {@link SshExecutor.connect}); never rejects. */
  connect(host: Host): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#post((id) => ({ kind: 'connect', id, host }), { settle: () => resolve(), lost: () => resolve() });
    });
  }

  /** Ends the host's connection, if any (see {@link SshExecutor.release}). */
  release(host: Host): void {
    this.#thread?.postMessage({ kind: 'release', host } satisfies ToSshThread);
  }

  /** Ends every connection, then the thread. */
  async close(): Promise<void> {
    const thread = this.#thread;
    if (thread === undefined) return;
    if (this.#asked) {
      await new Promise<void>((resolve) => {
        this.#post((id) => ({ kind: 'close', id }), { settle: () => resolve(), lost: () => resolve() });
      });
    }
    this.#thread = undefined;
    await thread.terminate();
  }

  #post(
    message: (id: number) => ToSshThread,
    call: { settle: (message: FromSshThread) => void; lost: (why: string) => void },
  ): number {
    const thread = this.#started();
    this.#asked = true;
    const id = this.#nextId++;
    this.#calls.set(id, call);
    thread.ref();
    thread.postMessage(message(id));
    return id;
  }

  #started(): Worker {
    if (this.#thread !== undefined) return this.#thread;
    const thread = startSshThread(this.#options);
    thread.unref();
    thread.on('message', (message: FromSshThread) => {
      const call = this.#calls.get(message.id);
      this.#calls.delete(message.id);
      if (this.#calls.size === 0) thread.unref();
      call?.settle(message);
    });
    let why = 'the SSH thread stopped';
    thread.on('error', (error) => {
      why = `the SSH thread failed: ${error.message}`;
    });
    thread.once('exit', () => {
      if (this.#thread === thread) this.#thread = undefined;
      const lost = [...this.#calls.values()];
      this.#calls.clear();
      for (const call of lost) call.lost(why);
    });
    this.#thread = thread;
    this.#asked = false;
    return thread;
  }
}

/**
 * The thread, from the bundle (dist/chunks/ssh-thread.mjs, beside the chunk that holds this
 * module: scripts/build.ts puts it there) or, when this module runs from its TypeScript source
 * (tests, the CLI without a bundle), from sshThread.ts through tsx.
 */
function startSshThread(options: SshThreadOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./ssh-thread.mjs', import.meta.url), { workerData: options });
  }
  const loader = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sshThread.ts', import.meta.url).href;
  const source = `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(source, { eval: true, workerData: options });
}

/** An execution the thread did not report on: it may have run, and its end is unknown. */
function lostResult(request: ExecutionRequest, why: string): ExecutionResult {
  return failedWithoutOutput(
    `${why} while running on ${request.host.name}: the command may have run, and how it ended is unknown`,
  );
}
