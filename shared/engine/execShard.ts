import { setMaxListeners } from 'node:events';
import { layoutShards } from '../compile/shardPlan.js';
import { StepfleetError } from '../errors.js';
import type { ExecutionResult } from '../exec/HostExecutor.js';
import type { Host } from '../inventory/Host.js';
import { STEPFLEET_LIMITS } from '../limits.js';
import type { HostRecord, HostStatus } from '../store/types.js';
import { HOST_TASK_TYPES, type Task, type TaskGroup } from '../taskgroup/schema.js';
import { parseDuration } from '../taskgroup/values.js';
import { notRun } from '../tasktypes/notRun.js';
import type { TaskRunContext } from '../tasktypes/TaskTypeRunner.js';
import { filterExports } from '../vars/index.js';
import { RunValues } from './hostValues.js';
import type { RunnerDeps } from './RunnerDeps.js';
import { isConfidentialExport, loadRunContext, now, taskNamed } from './runContext.js';
import { runTaskType } from './runTaskType.js';

/** One Map item of the compiled state machine. */
export interface ShardInput {
  runId: string;
  task: string;
  wave: number;
  shard: number;
}

/** Default per-host timeout when neither the task nor `defaults` sets one. */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** Lease beyond the host timeout: time to store the result after a kill. */
const LEASE_MARGIN_MS = 60_000;
/** The shortest time a host whose timeout had to be cut is still given. */
const MIN_CUT_TIMEOUT_MS = 10_000;
/** How often a running shard looks for a cancel request in the store. */
const CANCEL_POLL_MS = 2_000;

/**
 * Runs one shard: every host of it, `shardConcurrency` at a time, each attempt claimed in the
 * store before anything reaches the host, so a retried or duplicated invocation never runs a
 * command twice (DESIGN §4). Failed hosts are retried per the task's `retries`. Host problems
 * never throw: they are stored results. When the invocation's remaining time cannot fit another
 * host, it returns `done: false` and the state machine invokes it again; the claims make that
 * resume exactly where it stopped.
 */
export async function execShard(
  deps: RunnerDeps,
  input: ShardInput,
  budget: { remainingMs(): number },
): Promise<{ done: boolean }> {
  const { run, entry, group } = await loadRunContext(deps, input.runId);
  const task = taskNamed(group, input.task);
  const plan = await deps.store.getTaskPlan(run.id, task.name);
  if (!plan) throw new StepfleetError('NO_PLAN', `task "${task.name}" of run ${run.id} has no plan`);
  const hosts = await deps.store.getShardHosts(run.id, task.name, input.shard);
  const layout = layoutShards(plan.hostCount, task.strategy);
  const values = new RunValues({
    store: deps.store,
    runId: run.id,
    group,
    inputs: await deps.store.getRunInputs(run.id),
    previousRunId: run.rerun?.of,
  });
  const timeoutMs = parseDuration(task.timeout ?? group.defaults?.timeout ?? '') ?? DEFAULT_TIMEOUT_MS;
  const reserveMs = STEPFLEET_LIMITS.invocationReserveSeconds * 1000;

  const cancel = new AbortController();
  // Every running host listens to it (timeouts, retry sleeps): far more than the default 10.
  setMaxListeners(0, cancel.signal);
  const onAbort = () => cancel.abort();
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  if (deps.signal?.aborted || run.cancelRequested) cancel.abort();
  const poll = setInterval(async () => {
    const fresh = await deps.store.getRun(run.id).catch(() => null);
    if (fresh?.cancelRequested) cancel.abort();
  }, CANCEL_POLL_MS);
  poll.unref?.();

  // A timeout longer than a whole invocation could ever hold (`plan` warns of it) is cut to the
  // time left, else no invocation would ever start the host; a timeout that merely does not fit
  // in what is left of this invocation waits for the next one, which starts with a full budget.
  const wholeInvocationMs = budget.remainingMs() - reserveMs;
  const timeoutFor = (leftMs: number): number | undefined => {
    if (timeoutMs <= leftMs) return timeoutMs;
    if (timeoutMs > wholeInvocationMs && leftMs >= MIN_CUT_TIMEOUT_MS) return leftMs;
    return undefined;
  };
  let next = 0;
  let unfinished = false;
  const toCount: HostJob['toCount'] = [];
  const finalWrites: HostJob['finalWrites'] = [];
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    // A worker that failed stops the others from starting hosts; those running finish first.
    while (next < hosts.length && failure === undefined) {
      const host = hosts[next++] as Host;
      if (cancel.signal.aborted) {
        await deps.store.markCancelled({
          runId: run.id,
          task: task.name,
          shard: input.shard,
          hosts: [host.name],
          reason: 'the run was cancelled',
          now: now(deps),
        });
        continue;
      }
      const hostTimeoutMs = timeoutFor(budget.remainingMs() - reserveMs);
      if (hostTimeoutMs === undefined) {
        unfinished = true;
        continue;
      }
      const finished = await runHost({
        deps,
        input,
        group,
        task,
        host,
        timeoutMs: hostTimeoutMs,
        retries: task.retries ?? group.defaults?.retries,
        values,
        cancel: cancel.signal,
        budget,
        baseDir: entry.baseDir,
        toCount,
        finalWrites,
      });
      if (finished) deps.hostDone?.(task.name, host);
      else unfinished = true;
    }
  };
  const workers = Array.from({ length: Math.min(layout.shardConcurrency, hosts.length) }, () =>
    worker().catch((error: unknown) => {
      failure ??= { error };
    }),
  );
  // Every worker has ended (no host is still running) and every final result is stored before
  // the shard counts and reports, whatever else went wrong.
  await Promise.all(workers);
  const writeFailures = await Promise.all(finalWrites);
  clearInterval(poll);
  deps.signal?.removeEventListener('abort', onAbort);
  failure ??= writeFailures.find((write) => write !== undefined);
  try {
    // One counter write per batch of hosts instead of one per host (see countFinalHosts).
    await deps.store.countFinalHosts({ runId: run.id, task: task.name, shard: input.shard, hosts: toCount });
  } catch (error) {
    failure ??= { error };
  }
  if (failure !== undefined) throw failure.error;
  return { done: !unfinished };
}

interface HostJob {
  deps: RunnerDeps;
  input: ShardInput;
  group: TaskGroup;
  task: Task;
  host: Host;
  timeoutMs: number;
  retries: Task['retries'];
  values: RunValues;
  cancel: AbortSignal;
  budget: { remainingMs(): number };
  baseDir: string | undefined;
  /** Final results this invocation recorded, counted together at its end. */
  toCount: { host: string; status: HostStatus }[];
  /**
   * Writes of final results still in flight: a host's slot goes to the next host as soon as its
   * command has ended, and the shard waits for every write before it reports.
   */
  finalWrites: Promise<{ error: unknown } | undefined>[];
}

/** Runs one host through its attempts; false when it must be resumed by a later invocation. */
async function runHost(job: HostJob): Promise<boolean> {
  const { deps, input, task, host } = job;
  const attempts = (job.retries?.attempts ?? 0) + 1;
  const claim = {
    runId: input.runId,
    task: task.name,
    shard: input.shard,
    host: host.name,
    leaseMs: job.timeoutMs + LEASE_MARGIN_MS,
    idempotent: task.idempotent ?? false,
  };
  // The handshake (which runs nothing on the host) overlaps the claim, which must come first.
  if (HOST_TASK_TYPES.has(task.type)) void deps.executorFor(host).connect?.(host);
  for (let attempt = 1; attempt <= attempts; ) {
    const outcome = await deps.store.claimHostAttempt({ ...claim, attempt, now: now(deps) });
    if (outcome.kind === 'finished' || outcome.kind === 'lease-expired') {
      if (outcome.record.final) return true;
      attempt = outcome.record.attempt + 1;
      continue;
    }
    if (outcome.kind === 'in-flight') {
      const waitMs = Math.max(0, job.budget.remainingMs() - STEPFLEET_LIMITS.invocationReserveSeconds * 1000);
      const waited = await deps.store.waitForResult({ ...claim, attempt }, { timeoutMs: waitMs });
      if (waited.kind === 'in-flight' || waited.kind === 'claimed') return false;
      continue;
    }
    deps.emit?.({
      kind: 'host',
      runId: input.runId,
      task: task.name,
      host: host.name,
      status: 'running',
      attempt,
      at: now(deps).toISOString(),
    });
    const result = await execute(job, attempt);
    const retryable =
      result.status === 'failed' || result.status === 'timed_out' || result.status === 'unreachable';
    const final = !retryable || attempt === attempts;
    const declared = (task.exports ?? []).map((e) => e.name);
    const kept = {
      ...result,
      outputs: result.status === 'success' ? filterExports(result.outputs, declared) : {},
    };
    const completing = deps.store
      .completeHostAttempt({
        claim: outcome.claim,
        result: kept,
        final,
        confidentialOutputs: declared.filter((name) => isConfidentialExport(task, name)),
        deferCount: true,
        now: now(deps),
      })
      .then((completed) => {
        if (completed.kind === 'recorded' && final)
          job.toCount.push({ host: host.name, status: completed.record.status as HostStatus });
        emitHost(deps, input, task, host, completed.record);
      });
    if (final) {
      // Handled at once (a rejection left for later would be reported as unhandled), thrown at the end.
      job.finalWrites.push(
        completing.then(
          () => undefined,
          (error: unknown) => ({ error }),
        ),
      );
      return true;
    }
    await completing;
    const delay = retryDelayMs(job.retries, attempt);
    if (job.budget.remainingMs() < delay + job.timeoutMs + STEPFLEET_LIMITS.invocationReserveSeconds * 1000)
      return false;
    await sleep(delay, job.cancel);
    attempt += 1;
  }
  return true;
}

/** Runs one attempt through the task type, with this host's variables. */
async function execute(job: HostJob, attempt: number): Promise<ExecutionResult> {
  const { deps, input, task, host } = job;
  const values = await job.values.forHost(task, host);
  if (values.missing) return notRun(values.missing);
  const context: TaskRunContext = {
    runId: input.runId,
    group: job.group,
    host,
    attempt,
    env: values.env,
    resolve: values.resolve,
    timeoutMs: job.timeoutMs,
    signal: job.cancel,
    confidential: values.confidential,
    executor: deps.executorFor(host),
    baseDir: job.baseDir,
  };
  return runTaskType(deps, task, context);
}

function emitHost(deps: RunnerDeps, input: ShardInput, task: Task, host: Host, record: HostRecord): void {
  deps.emit?.({
    kind: 'host',
    runId: input.runId,
    task: task.name,
    host: host.name,
    status: record.final ? record.status : `${record.status} (will retry)`,
    attempt: record.attempt,
    exitCode: record.exitCode,
    at: now(deps).toISOString(),
  });
}

function retryDelayMs(policy: Task['retries'], attempt: number): number {
  const interval = parseDuration(policy?.interval ?? '2s') ?? 2000;
  return interval * (policy?.backoff ?? 1) ** (attempt - 1);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
