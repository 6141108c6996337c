import '../../shared/engine/polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import type { CompiledTaskGroup } from '../../shared/compile/compileTaskGroup.js';
import { localFunctionArn, substitutePlaceholders } from '../../shared/compile/resources.js';
import { layoutShards, type ShardLayout, shardHostRange } from '../../shared/compile/shardPlan.js';
import {
  afterWave,
  type Cursor,
  FAILING_HOST_STATUSES,
  firstWave,
  type HostStatus,
  reasonNotToStart,
  type TaskStatus,
} from '../../shared/engine/gateDecisions.js';
import type { TaskGroup } from '../../shared/taskgroup/schema.js';

/**
 * Test handlers for a compiled definition: the gate decisions are the real domain code, the
 * hosts are simulated in memory. It lets the compiler's control flow (dependencies, waves,
 * concurrency, skips, retries) be checked in the local engine without SSH or a store.
 */
export interface SimulationOptions {
  group: TaskGroup;
  compiled: CompiledTaskGroup;
  /** Hosts of each task (runner tasks get one). */
  hostCount: (task: string) => number;
  /** Outcome of one host attempt. Default: success. */
  outcome?: (task: string, host: number, attempt: number) => HostStatus;
  /** How long one host of a task takes, ms. */
  hostMs?: (task: string) => number;
  /** Hosts one exec invocation runs before handing back with `done: false`. */
  hostsPerInvocation?: number;
  /** Throws from exec-host on its n-th invocation (1-based) with this error name. */
  throwOnInvocation?: { n: number; errorName: string };
}

/** The parts of a local-engine event that the tests read. */
export interface EngineEvent {
  type: string;
  state?: { name: string; type: string };
}

export interface SimulationResult {
  status: 'SUCCEEDED' | 'FAILED';
  taskStatus: Record<string, TaskStatus | undefined>;
  hostStatus: Record<string, HostStatus[]>;
  /** Start and end (ms since run start) of each task's first and last host. */
  taskSpan: Record<string, { start: number; end: number }>;
  peakInFlight: Record<string, number>;
  /** Wave order per task: the wave index of each host attempt, in start order. */
  waveOrder: Record<string, number[]>;
  execInvocations: number;
  events: EngineEvent[];
}

export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const { group, compiled } = options;
  const layouts = new Map<string, ShardLayout>();
  const taskStatus: Record<string, TaskStatus | undefined> = {};
  const hostStatus: Record<string, (HostStatus | undefined)[]> = {};
  const inFlight: Record<string, number> = {};
  const peakInFlight: Record<string, number> = {};
  const taskSpan: Record<string, { start: number; end: number }> = {};
  const waveOrder: Record<string, number[]> = {};
  const progress = new Map<string, number>();
  let stopRequested = false;
  let execInvocations = 0;
  const t0 = Date.now();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const taskOf = (name: string) => {
    const task = group.tasks.find((t) => t.name === name);
    if (!task) throw new Error(`unknown task ${name}`);
    return task;
  };

  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {
    'prepare-run': async () => {
      for (const task of group.tasks) {
        const n = options.hostCount(task.name);
        layouts.set(task.name, layoutShards(n, task.strategy));
        hostStatus[task.name] = Array(n).fill(undefined);
        inFlight[task.name] = 0;
        peakInFlight[task.name] = 0;
        waveOrder[task.name] = [];
      }
      return null;
    },
    'task-gate': async (raw) => {
      const input = raw as { task: string; action: 'start' | 'wave-done'; wave?: number };
      const task = taskOf(input.task);
      const layout = layouts.get(task.name) as ShardLayout;
      const statuses = hostStatus[task.name] as (HostStatus | undefined)[];
      let cursor: Cursor;
      if (input.action === 'start') {
        const deps = Object.fromEntries((task.depends_on ?? []).map((d) => [d, taskStatus[d]]));
        const refusal = reasonNotToStart({ dependencies: deps, cancelRequested: false, stopRequested });
        cursor = refusal ? { action: 'done', status: refusal.status } : firstWave(layout);
      } else {
        // A shard that could not finish left hosts without a status: they never ran.
        const wave = layout.waves[input.wave ?? 0];
        for (let i = wave?.firstHost ?? 0; i < (wave?.firstHost ?? 0) + (wave?.hostCount ?? 0); i++)
          statuses[i] ??= 'failed';
        const failed = statuses.filter((s) => s !== undefined && FAILING_HOST_STATUSES.has(s)).length;
        cursor = afterWave({ layout, wave: input.wave ?? 0, failedHosts: failed, cancelRequested: false });
      }
      if (cursor.action === 'done') {
        taskStatus[task.name] = cursor.status;
        for (const [i, s] of statuses.entries()) if (s === undefined) statuses[i] = 'skipped';
        const onFailure = task.on_failure ?? group.defaults?.on_failure ?? 'stop';
        if (cursor.status === 'failed' && onFailure === 'stop') stopRequested = true;
      }
      return cursor;
    },
    'exec-host': async (raw) => {
      execInvocations += 1;
      if (options.throwOnInvocation?.n === execInvocations) {
        const error = new Error('simulated invocation failure');
        error.name = options.throwOnInvocation.errorName;
        throw error;
      }
      const input = raw as { task: string; wave: number; shard: number };
      const task = taskOf(input.task);
      const layout = layouts.get(task.name) as ShardLayout;
      const [start, end] = shardHostRange(layout, input.shard);
      const key = `${task.name}/${input.shard}`;
      const from = progress.get(key) ?? start;
      const until = Math.min(end, from + (options.hostsPerInvocation ?? Number.POSITIVE_INFINITY));
      const statuses = hostStatus[task.name] as (HostStatus | undefined)[];
      const attempts = (task.retries ?? group.defaults?.retries)?.attempts ?? 0;
      let next = from;
      const worker = async () => {
        while (next < until) {
          const host = next++;
          inFlight[task.name] = (inFlight[task.name] ?? 0) + 1;
          peakInFlight[task.name] = Math.max(peakInFlight[task.name] ?? 0, inFlight[task.name] ?? 0);
          waveOrder[task.name]?.push(input.wave);
          taskSpan[task.name] ??= { start: Date.now() - t0, end: 0 };
          const span = taskSpan[task.name];
          let status: HostStatus = 'failed';
          for (let attempt = 1; attempt <= attempts + 1; attempt++) {
            await sleep(options.hostMs?.(task.name) ?? 1);
            status = options.outcome?.(task.name, host, attempt) ?? 'success';
            if (!FAILING_HOST_STATUSES.has(status) || status === 'unreachable') break;
          }
          statuses[host] = status;
          if (span) span.end = Date.now() - t0;
          inFlight[task.name] = (inFlight[task.name] ?? 0) - 1;
        }
      };
      await Promise.all(Array.from({ length: layout.shardConcurrency }, worker));
      progress.set(key, until);
      return { done: until >= end };
    },
    'finalize-run': async () => {
      for (const task of group.tasks) {
        taskStatus[task.name] ??= 'skipped';
        const statuses = hostStatus[task.name] ?? [];
        for (const [i, s] of statuses.entries()) if (s === undefined) statuses[i] = 'unknown';
      }
      const ok = group.tasks.every((t) => taskStatus[t.name] === 'success');
      return { status: ok ? 'succeeded' : 'failed' };
    },
  };

  const overrides = Object.fromEntries(
    Object.entries(compiled.taskStates).map(([state, fn]) => [
      state,
      (input: unknown) => handlers[fn]?.(input) as never,
    ]),
  );
  const retryIntervalOverrides = Object.fromEntries(Object.keys(compiled.taskStates).map((s) => [s, 0]));
  const definition = substitutePlaceholders(compiled.definition, localFunctionArn);
  const machine = new StateMachine(definition as never);
  const execution = machine.run(
    { runId: 'run-1' },
    { overrides: { taskResourceLocalHandlers: overrides, retryIntervalOverrides } },
  );
  const events: EngineEvent[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event as EngineEvent);
  })();
  let status: SimulationResult['status'] = 'SUCCEEDED';
  try {
    await execution.result;
  } catch {
    status = 'FAILED';
  }
  await collecting;
  return {
    status,
    taskStatus,
    hostStatus: hostStatus as Record<string, HostStatus[]>,
    taskSpan,
    peakInFlight,
    waveOrder,
    execInvocations,
    events,
  };
}
