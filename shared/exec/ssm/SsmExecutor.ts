import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { AWS_LIMITS } from '../../limits.js';
import { createOutputCapture, maskText, parseOutputFile } from '../../vars/index.js';
import type {
  CapturedText,
  ExecutionRequest,
  ExecutionResult,
  ExecutionStatus,
  HostExecutor,
} from '../HostExecutor.js';
import { captureReportedTail } from './captureReportedTail.js';
import { buildDocumentParameters } from './documentParameters.js';
import { type DocumentReport, parseDocumentReport } from './parseDocumentReport.js';
import {
  type BackoffPolicy,
  backoffDelay,
  isThrottlingError,
  type RetryClock,
  retryThrottled,
  SYSTEM_CLOCK,
} from './retryThrottled.js';
import { classifyInvocation, type SsmStateMeaning } from './ssmInvocationStatus.js';
import { SSM_OUTPUT_FILE_LIMIT_BYTES, STEPFLEET_SSM_DOCUMENT_NAME } from './stepfleetDocument.js';

/** Options of {@link SsmExecutor}; every one has a default fit for production. */
export interface SsmExecutorOptions {
  /** Name (or ARN) of the deployed stepfleet document. Default {@link STEPFLEET_SSM_DOCUMENT_NAME}. */
  documentName?: string;
  /** Time source; tests pass a fake one. Default: real time. */
  clock?: RetryClock;
  /** Waits between GetCommandInvocation polls. Default 500 ms × 1.6ⁿ, at most 5 s. */
  pollBackoff?: BackoffPolicy;
  /** Waits between retries of a throttled call. Default 250 ms × 2ⁿ, at most 8 s. */
  throttleBackoff?: BackoffPolicy;
  /** Calls of one API request at most when throttled. Default 8. */
  throttleMaxAttempts?: number;
  /**
   * How long after SendCommand an `InvocationDoesNotExist` is taken for SSM's eventual consistency
   * (the invocation is not listed yet) rather than an error. Default 10 s.
   */
  invocationAppearMs?: number;
  /** How long to wait for the invocation to stop after CancelCommand. Default 15 s. */
  cancelGraceMs?: number;
}

const DEFAULTS = {
  pollBackoff: { initialMs: 500, maxMs: 5_000, factor: 1.6 },
  throttleBackoff: { initialMs: 250, maxMs: 8_000, factor: 2 },
  throttleMaxAttempts: 8,
  invocationAppearMs: 10_000,
  cancelGraceMs: 15_000,
} as const;

const NO_OUTPUT: CapturedText = { text: '', droppedBytes: 0 };

/**
 * Runs commands on `transport: ssm` hosts (`host.instanceId`) with SSM Run Command and the
 * stepfleet document (`stepfleetDocument.ts`, deployed by the CDK stack): SendCommand, then
 * GetCommandInvocation polled with a jittered exponential backoff until the invocation ends.
 *
 * - **Statuses**: every SSM status maps to a DESIGN §5 one (`ssmInvocationStatus.ts`); an unknown
 *   one is `failed`, never success.
 * - **Timeout and cancel**: the clock runs from the start of `run`; at `timeoutMs`, or when
 *   `signal` aborts, CancelCommand is sent and the host ends `timed_out` or `cancelled`. The
 *   document's `executionTimeout` is set to the same bound as a backstop on the instance.
 * - **Throttling** (`ThrottlingException`, `TooManyRequestsException`) is retried with jitter on top
 *   of the SDK's own retries; `InvocationDoesNotExist` right after SendCommand is retried briefly.
 * - **Output**: SSM keeps only 24,000 characters of stdout and 8,000 of stderr, from the head.
 *   The document prints its result block first and then the streams' tails sized to fit, with
 *   their true byte counts, so outputs are never lost to the cut and `droppedBytes` is exact.
 *   Confidential values are masked with the shared/vars capture helpers.
 * - **Confidential values are never sent**: see `buildDocumentParameters`. A request carrying one
 *   fails before anything is sent.
 *
 * The client is injected and never closed here: it belongs to the caller (one per Lambda
 * container). Never throws for a host problem.
 */
export class SsmExecutor implements HostExecutor {
  readonly #ssm: SSMClient;
  readonly #documentName: string;
  readonly #clock: RetryClock;
  readonly #pollBackoff: BackoffPolicy;
  readonly #throttleBackoff: BackoffPolicy;
  readonly #throttleMaxAttempts: number;
  readonly #invocationAppearMs: number;
  readonly #cancelGraceMs: number;

  constructor(ssm: SSMClient, options: SsmExecutorOptions = {}) {
    this.#ssm = ssm;
    this.#documentName = options.documentName ?? STEPFLEET_SSM_DOCUMENT_NAME;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#pollBackoff = options.pollBackoff ?? DEFAULTS.pollBackoff;
    this.#throttleBackoff = options.throttleBackoff ?? DEFAULTS.throttleBackoff;
    this.#throttleMaxAttempts = options.throttleMaxAttempts ?? DEFAULTS.throttleMaxAttempts;
    this.#invocationAppearMs = options.invocationAppearMs ?? DEFAULTS.invocationAppearMs;
    this.#cancelGraceMs = options.cancelGraceMs ?? DEFAULTS.cancelGraceMs;
  }

  /** Runs one request on its host's instance; never throws for a problem of the host or command. */
  async run(request: ExecutionRequest): Promise<ExecutionResult> {
    const clock = this.#clock;
    const start = clock.now();
    const host = request.host.name;
    const secrets = request.confidential;
    const finish = (fields: Partial<ExecutionResult> & { status: ExecutionStatus }): ExecutionResult => ({
      exitCode: null,
      signal: null,
      stdout: NO_OUTPUT,
      stderr: NO_OUTPUT,
      outputs: {},
      ...fields,
      // An SDK message may echo what it was sent; masking it costs nothing.
      error: fields.error === undefined || fields.error === null ? null : maskText(fields.error, secrets),
      startedAt: new Date(start).toISOString(),
      durationMs: Math.max(0, clock.now() - start),
    });

    const built = buildDocumentParameters(request);
    if (!built.ok) return finish({ status: 'failed', error: `${host}: ${built.problem}; nothing was run` });
    if (request.signal?.aborted)
      return finish({ status: 'cancelled', error: `${host}: cancelled before it started` });
    const instanceId = request.host.instanceId ?? '';
    const deadline = start + request.timeoutMs;

    // Abort wakes any wait at once; the timeout is read from the clock, so a fake clock drives it.
    let aborted = request.signal?.aborted === true;
    let wake: () => void = () => {};
    const abortedPromise = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const onAbort = (): void => {
      aborted = true;
      wake();
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const waitingClock: RetryClock = {
      ...clock,
      sleep: (ms) => Promise.race([clock.sleep(ms), abortedPromise]),
    };

    try {
      let commandId: string;
      try {
        const sent = await retryThrottled(
          () =>
            this.#ssm.send(
              new SendCommandCommand({
                DocumentName: this.#documentName,
                InstanceIds: [instanceId],
                Parameters: built.parameters,
                TimeoutSeconds: deliveryTimeoutSeconds(request.timeoutMs),
              }),
            ),
          { ...this.#retryOptions(waitingClock, deadline), signal: request.signal },
        );
        const id = sent.Command?.CommandId;
        if (id === undefined) throw new Error('SendCommand returned no CommandId');
        commandId = id;
      } catch (error) {
        if (aborted)
          return finish({ status: 'cancelled', error: `${host}: cancelled before SSM accepted the command` });
        return finish(sendFailure(host, instanceId, error));
      }

      const sentAt = clock.now();
      let stop: 'timed_out' | 'cancelled' | undefined;
      for (let attempt = 0; stop === undefined; attempt++) {
        if (aborted) {
          stop = 'cancelled';
          break;
        }
        const remaining = deadline - clock.now();
        if (remaining <= 0) {
          stop = 'timed_out';
          break;
        }
        await waitingClock.sleep(Math.min(backoffDelay(attempt, this.#pollBackoff, clock.random), remaining));
        if (aborted) stop = 'cancelled';
        else if (clock.now() >= deadline) stop = 'timed_out';
        if (stop !== undefined) break;

        let answer: GetCommandInvocationCommandOutput;
        try {
          answer = await this.#getInvocation(commandId, instanceId, waitingClock, sentAt);
        } catch (error) {
          // Throttled past our retries: keep polling, the deadline still bounds the loop.
          if (isThrottlingError(error)) continue;
          const cancel = await this.#cancel(commandId, instanceId);
          return finish({
            status: 'failed',
            error:
              `${host}: lost track of SSM command ${commandId}: ${describeError(error)}; ` +
              `it may have run${cancel === undefined ? ' and was cancelled to be safe' : `, and ${cancel}`}`,
          });
        }
        const meaning = classifyInvocation(answer.Status, answer.StatusDetails);
        if (meaning.kind === 'done')
          return finish(this.#ended(request, commandId, answer, meaning, built.executionTimeoutSeconds));
      }
      return finish(await this.#stopped(request, commandId, stop));
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Nothing to release: the SSM client belongs to the caller. */
  async close(): Promise<void> {}

  #retryOptions(clock: RetryClock, deadline?: number) {
    return {
      clock,
      policy: this.#throttleBackoff,
      maxAttempts: this.#throttleMaxAttempts,
      ...(deadline === undefined ? {} : { deadline }),
    };
  }

  #getInvocation(
    commandId: string,
    instanceId: string,
    clock: RetryClock,
    sentAt: number,
  ): Promise<GetCommandInvocationCommandOutput> {
    return retryThrottled(
      () => this.#ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
      {
        ...this.#retryOptions(clock),
        // Right after SendCommand the invocation may not be listed yet (eventual consistency).
        alsoRetry: (error) =>
          errorName(error) === 'InvocationDoesNotExist' && clock.now() - sentAt < this.#invocationAppearMs,
      },
    );
  }

  /** Sends CancelCommand; returns undefined when SSM took it, else what went wrong, for the message. */
  async #cancel(commandId: string, instanceId: string): Promise<string | undefined> {
    try {
      await retryThrottled(
        () => this.#ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] })),
        this.#retryOptions(this.#clock),
      );
      return undefined;
    } catch (error) {
      return `CancelCommand failed (${describeError(error)}), so it may still be running`;
    }
  }

  /** After a timeout or an abort: cancel the command, wait a little for it to stop, report. */
  async #stopped(
    request: ExecutionRequest,
    commandId: string,
    stop: 'timed_out' | 'cancelled',
  ): Promise<Partial<ExecutionResult> & { status: ExecutionStatus }> {
    const host = request.host.name;
    const instanceId = request.host.instanceId ?? '';
    const what = stop === 'timed_out' ? `timed out after ${formatMs(request.timeoutMs)}` : 'cancelled';
    const cancelProblem = await this.#cancel(commandId, instanceId);
    if (cancelProblem !== undefined) {
      return { status: stop, error: `${host}: ${what}; SSM command ${commandId}: ${cancelProblem}` };
    }
    const clock = this.#clock;
    const graceEnd = clock.now() + this.#cancelGraceMs;
    let last: GetCommandInvocationCommandOutput | undefined;
    let meaning: SsmStateMeaning | undefined;
    for (let attempt = 0; clock.now() < graceEnd; attempt++) {
      await clock.sleep(
        Math.min(backoffDelay(attempt, this.#pollBackoff, clock.random), graceEnd - clock.now()),
      );
      try {
        last = await this.#getInvocation(commandId, instanceId, clock, Number.NEGATIVE_INFINITY);
      } catch {
        break;
      }
      meaning = classifyInvocation(last.Status, last.StatusDetails);
      if (meaning.kind === 'done') break;
    }
    const streams = last === undefined ? undefined : captureStreams(last, request.confidential);
    const note =
      meaning?.kind === 'done'
        ? `SSM command ${commandId} was cancelled`
        : `CancelCommand sent to SSM command ${commandId}, but it had not stopped within ${formatMs(this.#cancelGraceMs)}`;
    return {
      status: stop,
      exitCode: streams?.report?.exitCode ?? null,
      ...(streams === undefined ? {} : { stdout: streams.stdout, stderr: streams.stderr }),
      error: `${host}: ${what}; ${note}`,
    };
  }

  /** The result of an invocation that reached a terminal state on its own. */
  #ended(
    request: ExecutionRequest,
    commandId: string,
    answer: GetCommandInvocationCommandOutput,
    meaning: Extract<SsmStateMeaning, { kind: 'done' }>,
    executionTimeoutSeconds: number,
  ): Partial<ExecutionResult> & { status: ExecutionStatus } {
    const host = request.host.name;
    const { report, stdout, stderr } = captureStreams(answer, request.confidential);
    const responseCode =
      answer.ResponseCode !== undefined && answer.ResponseCode >= 0 ? answer.ResponseCode : null;
    const exitCode = report?.exitCode ?? responseCode;
    const base = { exitCode, stdout, stderr };
    const where = ` (SSM command ${commandId})`;

    switch (meaning.status) {
      case 'unreachable':
        return {
          ...base,
          status: 'unreachable',
          exitCode: null,
          error: `${host}: ${meaning.reason}; nothing ran${where}`,
        };
      case 'timed_out':
        return {
          ...base,
          status: 'timed_out',
          error: `${host}: ${meaning.reason} (${executionTimeoutSeconds}s)${where}`,
        };
      case 'cancelled':
        return {
          ...base,
          status: 'cancelled',
          error: `${host}: ${meaning.reason} outside stepfleet${where}`,
        };
      case 'failed':
      case 'success':
        break;
    }
    if (report === undefined) {
      const said = firstLine(stderr.text);
      return {
        ...base,
        status: 'failed',
        error:
          meaning.status === 'success' || meaning.state === 'Failed'
            ? `${host}: the SSM document ${this.#documentName} reported no stepfleet result` +
              `${said === '' ? '' : `: ${said}`}${where}`
            : `${host}: ${meaning.reason}${where}`,
      };
    }
    if (report.phase === 'workdir') {
      return {
        ...base,
        status: 'failed',
        exitCode: null,
        error: `${host}: cannot change to working directory ${request.workdir ?? ''}; nothing was run${where}`,
      };
    }
    // Outputs are kept on a failed exit too, as the other executors keep them.
    const parsed = report.outputFile === undefined ? undefined : parseOutputFile(report.outputFile);
    // A sloppy line does not fail the host (shared/vars' rule), but the user must see it: the
    // result has no warnings field, so the note goes where they look, at the end of stderr.
    const problems = (parsed?.problems ?? []).map((p) => `[stepfleet] $STEPFLEET_OUTPUT: ${p.message}`);
    const ran = {
      ...base,
      outputs: parsed?.outputs ?? {},
      stderr:
        problems.length === 0
          ? stderr
          : { ...stderr, text: `${stderr.text}${maskText(problems.join('\n'), request.confidential)}\n` },
    };
    if (meaning.status === 'failed' && meaning.state !== 'Failed') {
      return { ...ran, status: 'failed', error: `${host}: ${meaning.reason}${where}` };
    }
    if (report.exitCode !== 0) {
      return { ...ran, status: 'failed', error: `${host}: exited with code ${report.exitCode}` };
    }
    if (parsed === undefined) {
      return {
        ...ran,
        status: 'failed',
        error:
          `${host}: $STEPFLEET_OUTPUT holds ${report.outputFileBytes} bytes, more than the ` +
          `${SSM_OUTPUT_FILE_LIMIT_BYTES} that can come back over SSM`,
      };
    }
    return { ...ran, status: 'success' };
  }
}

/** What came back on the two streams: parsed when the document reported, else the raw text, masked. */
function captureStreams(
  answer: GetCommandInvocationCommandOutput,
  secrets: readonly string[],
): { report: DocumentReport | undefined; stdout: CapturedText; stderr: CapturedText } {
  const stdoutContent = answer.StandardOutputContent ?? '';
  const stderrContent = answer.StandardErrorContent ?? '';
  const report = parseDocumentReport(stdoutContent, stderrContent);
  if (report !== undefined) {
    return {
      report,
      stdout: captureReportedTail(report.stdout, secrets),
      stderr: captureReportedTail(report.stderr, secrets),
    };
  }
  // Without the document's block nothing says how much SSM cut from the head; the count is not
  // known, so it is not invented: a note says the stream reached SSM's limit.
  const raw = (content: string, limit: number): CapturedText => {
    const capture = createOutputCapture({ secrets });
    capture.push(content);
    const captured = capture.finish();
    return content.length >= limit
      ? {
          ...captured,
          text: `${captured.text}\n[stepfleet] SSM kept only the first ${limit} characters; the rest is lost\n`,
        }
      : captured;
  };
  return {
    report,
    stdout: raw(stdoutContent, AWS_LIMITS.ssmStdoutChars),
    stderr: raw(stderrContent, AWS_LIMITS.ssmStderrChars),
  };
}

/** SendCommand's `TimeoutSeconds` (deliver and start): the host's timeout, inside SSM's bounds. */
function deliveryTimeoutSeconds(timeoutMs: number): number {
  return Math.min(
    AWS_LIMITS.ssmDeliveryTimeoutMaxSeconds,
    Math.max(AWS_LIMITS.ssmDeliveryTimeoutMinSeconds, Math.ceil(timeoutMs / 1000)),
  );
}

/** A rejected SendCommand: nothing ran, except after a network error, when SSM may have it. */
function sendFailure(
  host: string,
  instanceId: string,
  error: unknown,
): Partial<ExecutionResult> & { status: ExecutionStatus } {
  const name = errorName(error);
  if (name === 'InvalidInstanceId') {
    return {
      status: 'unreachable',
      error:
        `${host}: SSM cannot run commands on ${instanceId} (not running, not a managed instance, or its ` +
        'SSM Agent is offline); nothing was run',
    };
  }
  if (isThrottlingError(error)) {
    return { status: 'failed', error: `${host}: SSM kept throttling SendCommand; nothing was run` };
  }
  const answered =
    typeof (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 'number';
  return {
    status: 'failed',
    error: answered
      ? `${host}: SSM refused SendCommand: ${describeError(error)}; nothing was run`
      : `${host}: SendCommand failed: ${describeError(error)}; SSM may or may not have received it`,
  };
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message === '' || error.message === error.name
    ? error.name
    : `${error.name}: ${error.message}`;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '') ?? '';
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
