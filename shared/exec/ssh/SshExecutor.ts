import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import type { Host } from '../../inventory/Host.js';
import {
  LaunchError,
  type LaunchedProcess,
  OUTPUT_FILE_LIMIT_BYTES,
  type ProcessEnd,
  type ProcessSinks,
  type SupervisionOptions,
  superviseExecution,
} from '../capture/superviseExecution.js';
import type { ExecutionRequest, ExecutionResult, HostExecutor } from '../HostExecutor.js';
import { RecordSplitter } from './RecordSplitter.js';
import {
  bootstrapCommand,
  cleanupCommand,
  collectCommand,
  jobHeader,
  killCommand,
  outputMarker,
  pidRecord,
} from './remoteCommands.js';
import { SshConnectError } from './SshConnectError.js';
import { type SshConnectionOptions, SshConnectionPool } from './SshConnectionPool.js';
import { TrailerSplitter } from './TrailerSplitter.js';

/** Options of {@link SshExecutor}. */
export interface SshExecutorOptions extends SshConnectionOptions, SupervisionOptions {
  /** Bound on each side channel (kill, read-back, clean-up); default 10 s. */
  sideChannelTimeoutMs?: number;
}

/**
 * Runs commands on hosts over SSH (ssh2), one reused connection per host. Host keys are verified
 * against the inventory's pin or known_hosts and fail closed; a timeout or cancel kills the
 * remote command's whole process group; environment values reach the command through the
 * channel's stdin, never a command line (see `remoteCommands.ts` for the protocol).
 *
 * @example
 * const ssh = new SshExecutor();
 * try {
 *   const result = await ssh.run({ host, command: 'uptime', env: {}, timeoutMs: 30_000, confidential: [] });
 * } finally {
 *   await ssh.close();
 * }
 */
export class SshExecutor implements HostExecutor {
  readonly #options: SshExecutorOptions;
  readonly #pool: SshConnectionPool;

  constructor(options: SshExecutorOptions = {}) {
    this.#options = options;
    this.#pool = new SshConnectionPool(options);
  }

  /** Runs one request; never throws for a host problem. */
  run(request: ExecutionRequest): Promise<ExecutionResult> {
    return superviseExecution(request, (sinks) => this.#launch(request, sinks), this.#options);
  }

  /**
   * Opens the pooled connection to `host` ahead of its first request, which then uses it (or joins
   * the attempt still in progress). Settles when it is open or has failed; a failure is left for
   * that request to meet and report.
   */
  connect(host: Host): Promise<void> {
    return this.#pool.acquire(host).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Ends the host's pooled connection, if any (see {@link SshConnectionPool.release}). */
  release(host: Host): void {
    this.#pool.release(host);
  }

  /** Ends every pooled connection. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  async #launch(request: ExecutionRequest, sinks: ProcessSinks): Promise<LaunchedProcess> {
    const { host } = request;
    const id = randomBytes(16).toString('hex');
    const command = bootstrapCommand();
    const lost = `the SSH connection to ${host.address ?? host.name} was lost`;
    let client = await this.#acquire(request);
    let main: OpenChannel;
    try {
      main = await openExec(client, command, lost);
    } catch (error) {
      // A pooled connection can die between executions (host rebooted): then one fresh connection
      // is worth a try. A live connection that refuses a session (MaxSessions) is left alone, since
      // other executions may be using it.
      if (!this.#pool.isClosed(client)) throw sessionRefused(error);
      client = await this.#acquire(request);
      main = await openExec(client, command, lost).catch((retryError: unknown) => {
        throw sessionRefused(retryError);
      });
    }

    const { channel } = main;
    const collect = request.collectOutputs ?? true;
    channel.on('data', sinks.stdout);
    // stderr carries two in-band records of the bootstrap: the process group id first, then, after
    // a marker at the end, the output file (see remoteCommands.ts).
    const trailer = new TrailerSplitter(outputMarker(id), sinks.stderr, OUTPUT_FILE_LIMIT_BYTES + 1);
    let pgid: number | undefined;
    let exited = false;
    let killRequested = false;
    let killSent = false;
    const sideTimeoutMs = this.#options.sideChannelTimeoutMs ?? 10_000;
    const side = (helper: string): Promise<Buffer> => runHelper(client, helper, sideTimeoutMs);
    // Only while the bootstrap has not exited: after that its id may name another group.
    const killGroup = async (): Promise<void> => {
      if (pgid === undefined || exited || killSent) return;
      killSent = true;
      await side(killCommand(id, pgid)).catch(() => {});
    };
    let reportPgid = () => {};
    const pgidReported = new Promise<void>((resolve) => {
      reportPgid = resolve;
    });
    const pid = new RecordSplitter({
      ...pidRecord(id),
      forward: (chunk) => trailer.push(chunk),
      onRecord: (value) => {
        const n = Number(value);
        if (Number.isSafeInteger(n) && n > 1) pgid = n;
        reportPgid();
        // A kill asked for before the id came: carry it out now, however late the id is.
        if (killRequested) void killGroup();
      },
    });
    channel.once('exit', () => {
      exited = true;
    });
    let outputFile: Buffer | undefined;
    channel.stderr.on('data', (chunk: Buffer) => pid.push(chunk));
    const finished = main.end.then((end) => {
      exited = true;
      reportPgid();
      pid.end();
      outputFile = trailer.end();
      return end;
    });
    channel.write(jobHeader(request, id, OUTPUT_FILE_LIMIT_BYTES));
    if (request.stdin !== undefined) channel.write(request.stdin);
    channel.end();

    let cancelMarker = false;
    let collected = false;
    return {
      finished,
      kill: async () => {
        killRequested = true;
        if (pgid === undefined && !exited) {
          // The bootstrap has not reported its group yet: stop it from starting, and wait a while
          // for the report in case it already has (onRecord kills whenever it comes).
          cancelMarker = true;
          await side(killCommand(id, undefined)).catch(() => {});
          await Promise.race([
            pgidReported,
            new Promise((resolve) => setTimeout(resolve, sideTimeoutMs).unref()),
          ]);
        }
        await killGroup();
      },
      readOutputFile: async (limitBytes) => {
        // The job already sent the file and removed it; a side session reads it only when the job
        // could not finish (its stderr ended before the marker).
        if (outputFile !== undefined) return outputFile;
        if (!collect) return Buffer.alloc(0);
        const bytes = await side(collectCommand(id, limitBytes + 1));
        collected = true;
        return bytes;
      },
      cleanup: async () => {
        // The job removes its file itself unless it was cut short. A `cancel` mark stays while the
        // main session is open, so that a bootstrap starting late still runs nothing.
        const outputLeft = outputFile === undefined && !collected;
        const removeMark = cancelMarker && exited;
        if (outputLeft || removeMark) await side(cleanupCommand(id, removeMark)).catch(() => {});
      },
    };
  }

  async #acquire(request: ExecutionRequest): Promise<Client> {
    try {
      return await this.#pool.acquire(request.host);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new LaunchError(error instanceof SshConnectError ? 'unreachable' : 'failed', message, {
        cause: error,
      });
    }
  }
}

/** Nothing ran: the session was refused before the command was sent. */
function sessionRefused(error: unknown): LaunchError {
  const message = error instanceof Error ? error.message : String(error);
  return new LaunchError('unreachable', `cannot open an SSH session: ${message}`, { cause: error });
}

interface OpenChannel {
  channel: ClientChannel;
  /** How the remote process ended; see {@link channelEnd}. */
  end: Promise<ProcessEnd>;
}

function openExec(client: Client, command: string, lostReason: string): Promise<OpenChannel> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(error);
      // Listen before returning to the event loop: a quick command's exit status can arrive in the
      // same read as the exec reply, and an `exit` event nobody listens to is gone. (Output is not
      // at risk: a stream without a `data` listener buffers.)
      resolve({ channel, end: channelEnd(channel, lostReason) });
    });
  });
}

/** Settles when the channel has closed and both streams have ended. */
function channelEnd(channel: ClientChannel, lostReason: string): Promise<ProcessEnd> {
  let exit: ProcessEnd | undefined;
  channel.once('exit', (code: number | null, signal?: string) => {
    exit = { kind: 'exited', exitCode: code ?? null, signal: code === null ? (signal ?? null) : null };
  });
  const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
  const stderrClosed = new Promise<void>((resolve) => channel.stderr.once('close', () => resolve()));
  return Promise.all([closed, stderrClosed]).then(() => exit ?? { kind: 'lost', reason: lostReason });
}

/** Runs a short helper command next to the main channel and returns its stdout, bounded in time. */
async function runHelper(client: Client, command: string, timeoutMs: number): Promise<Buffer> {
  const { channel, end } = await openExec(client, command, 'the SSH connection was lost');
  const chunks: Buffer[] = [];
  channel.on('data', (chunk: Buffer) => chunks.push(chunk));
  channel.stderr.resume();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      channel.close();
      reject(new Error(`an SSH helper command took longer than ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const ended = await Promise.race([end, timedOut]);
    if (ended.kind === 'lost') throw new Error(ended.reason);
    return Buffer.concat(chunks);
  } finally {
    clearTimeout(timer);
  }
}
