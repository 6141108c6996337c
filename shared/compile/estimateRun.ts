import { AWS_LIMITS } from '../limits.js';
import type { TaskGroup } from '../taskgroup/schema.js';
import { parseDuration } from '../taskgroup/values.js';
import type { StateMachine } from './asl.js';
import { FUNCTION_TIMEOUTS } from './resources.js';
import { layoutShards, type ShardLayout } from './shardPlan.js';

/** AWS list prices used by the estimate: us-east-1, on-demand, as published on PRICES.date. */
export const PRICES = {
  date: '2025-01-15',
  region: 'us-east-1',
  stepFunctionsPerTransition: 0.025 / 1000,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1_000_000,
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  dynamoPerReadUnit: 0.125 / 1_000_000,
} as const;

/** Memory of the runner functions, MB (the CDK stack uses the same figures). */
export const FUNCTION_MEMORY_MB = { 'exec-host': 1024, other: 256 } as const;

/** Assumptions behind the estimate, printed with it. */
export interface EstimateAssumptions {
  /** Seconds one host execution takes; default 5. */
  hostSeconds: number;
  /** Store writes per host attempt: claim, result, counters, outputs. */
  writesPerHost: number;
}

export interface TaskEstimate {
  task: string;
  hosts: number;
  layout: ShardLayout;
  transitions: number;
  historyEvents: number;
  execInvocations: number;
}

export interface RunEstimate {
  tasks: TaskEstimate[];
  transitions: number;
  historyEvents: number;
  largestPayloadBytes: number;
  definitionBytes: number;
  cost: { stepFunctions: number; lambda: number; dynamodb: number; total: number };
  assumptions: EstimateAssumptions;
}

/** AWS history events each state type records per visit (entered, exited, and service events). */
const HISTORY_PER_VISIT = {
  Task: 5,
  Choice: 2,
  Pass: 2,
  Succeed: 2,
  Fail: 2,
  Map: 4,
  Parallel: 4,
  MapIteration: 2,
} as const;

/**
 * Predicts state transitions, history events, payload size and cost of one run in which every
 * task runs and succeeds, from the hosts each task will have. It mirrors the compiled shape:
 * per task a start gate, one Map and gate per wave, and per shard one exec invocation.
 */
export function estimateRun(
  group: TaskGroup,
  definition: StateMachine,
  hostCount: (task: string) => number,
  assumptions: Partial<EstimateAssumptions> = {},
): RunEstimate {
  const assumed: EstimateAssumptions = { hostSeconds: 5, writesPerHost: 5, ...assumptions };
  const tasks = group.tasks.map((task): TaskEstimate => {
    const hosts = hostCount(task.name);
    const layout = layoutShards(hosts, task.strategy);
    const waves = layout.waves.length;
    const shards = layout.waves.reduce((sum, w) => sum + w.shards.length, 0);
    // start, route per wave plus the final route, the Map and gate per wave, done;
    // per shard: run-shard, more, shard-done.
    const transitions = 1 + (waves + 1) + 2 * waves + 1 + 3 * shards;
    const historyEvents =
      HISTORY_PER_VISIT.Task * (1 + waves) +
      HISTORY_PER_VISIT.Choice * (waves + 1) +
      HISTORY_PER_VISIT.Map * waves +
      HISTORY_PER_VISIT.Pass +
      shards *
        (HISTORY_PER_VISIT.MapIteration +
          HISTORY_PER_VISIT.Task +
          HISTORY_PER_VISIT.Choice +
          HISTORY_PER_VISIT.Succeed);
    return { task: task.name, hosts, layout, transitions, historyEvents, execInvocations: shards };
  });
  const parallels = countStates(definition, 'Parallel');
  // prepare, finalize, outcome choice, final succeed; plus every Parallel state (run-tasks included).
  const runTransitions = 4 + parallels;
  const runHistory =
    2 +
    2 * HISTORY_PER_VISIT.Task +
    HISTORY_PER_VISIT.Choice +
    HISTORY_PER_VISIT.Succeed +
    parallels * HISTORY_PER_VISIT.Parallel;
  const transitions = runTransitions + tasks.reduce((s, t) => s + t.transitions, 0);
  const historyEvents = runHistory + tasks.reduce((s, t) => s + t.historyEvents, 0);

  const gateInvocations = tasks.reduce((s, t) => s + 1 + t.layout.waves.length, 0) + 2;
  const execSeconds = tasks.reduce((s, t) => {
    const rounds = Math.ceil(t.layout.shardSize / t.layout.shardConcurrency);
    return s + t.execInvocations * rounds * assumed.hostSeconds;
  }, 0);
  const gbSeconds =
    (execSeconds * FUNCTION_MEMORY_MB['exec-host'] + gateInvocations * 0.2 * FUNCTION_MEMORY_MB.other) / 1024;
  const writes = tasks.reduce((s, t) => s + t.hosts * assumed.writesPerHost + t.execInvocations + 2, 0) + 2;
  const cost = {
    stepFunctions: transitions * PRICES.stepFunctionsPerTransition,
    lambda:
      gbSeconds * PRICES.lambdaArmPerGbSecond +
      (gateInvocations + tasks.reduce((s, t) => s + t.execInvocations, 0)) * PRICES.lambdaPerRequest,
    dynamodb: writes * PRICES.dynamoPerWriteUnit + writes * PRICES.dynamoPerReadUnit,
    total: 0,
  };
  cost.total = cost.stepFunctions + cost.lambda + cost.dynamodb;
  return {
    tasks,
    transitions,
    historyEvents,
    largestPayloadBytes: largestPayload(tasks),
    definitionBytes: Buffer.byteLength(JSON.stringify(definition)),
    cost,
    assumptions: assumed,
  };
}

/** The largest state a run carries: the run id plus the cursor of the widest wave. */
function largestPayload(tasks: TaskEstimate[]): number {
  let largest = 0;
  for (const t of tasks) {
    for (const wave of t.layout.waves) {
      const state = {
        runId: 'r'.repeat(36),
        cursor: { action: 'run-wave', wave: t.layout.waves.length, shards: wave.shards },
      };
      largest = Math.max(largest, Buffer.byteLength(JSON.stringify(state)));
    }
  }
  return largest;
}

function countStates(node: unknown, type: string): number {
  if (Array.isArray(node)) return node.reduce((s: number, n) => s + countStates(n, type), 0);
  if (node === null || typeof node !== 'object') return 0;
  const self = (node as { Type?: unknown }).Type === type ? 1 : 0;
  return self + Object.values(node).reduce((s: number, v) => s + countStates(v, type), 0);
}

/** A limit warning: a figure within 20% of (or past) an AWS limit. */
export interface LimitWarning {
  limit: keyof typeof AWS_LIMITS | 'lambdaTime';
  message: string;
}

/** Warnings for every figure of an estimate within 20% of its AWS limit. */
export function limitWarnings(group: TaskGroup, estimate: RunEstimate, warnAt = 0.8): LimitWarning[] {
  const warnings: LimitWarning[] = [];
  const check = (limit: keyof typeof AWS_LIMITS, value: number, what: string) => {
    const max = AWS_LIMITS[limit];
    if (value >= max * warnAt)
      warnings.push({
        limit,
        message: `${what} is ${value}, ${Math.round((value / max) * 100)}% of the limit of ${max}`,
      });
  };
  check('historyEvents', estimate.historyEvents, 'estimated history events per run');
  check('statePayloadBytes', estimate.largestPayloadBytes, 'largest state payload (bytes)');
  check('definitionBytes', estimate.definitionBytes, 'state machine definition (bytes)');
  const lambdaSeconds = FUNCTION_TIMEOUTS['exec-host'].lambda;
  for (const task of group.tasks) {
    const timeout = parseDuration(task.timeout ?? group.defaults?.timeout ?? '10m') ?? 0;
    if (timeout / 1000 >= lambdaSeconds * warnAt) {
      warnings.push({
        limit: 'lambdaTime',
        message: `task "${task.name}" allows ${timeout / 1000}s per host; in AWS one exec-host invocation runs at most ${lambdaSeconds}s, so an SSH execution that long cannot finish there`,
      });
    }
  }
  return warnings;
}

/** Converts a local-engine event log into the AWS history events the same run would record. */
export function historyEventsFromLocalLog(events: readonly { type: string; state?: { type: string } }[]): {
  transitions: number;
  historyEvents: number;
} {
  let transitions = 0;
  let historyEvents = 0;
  for (const event of events) {
    const stateType = event.state?.type ?? '';
    switch (event.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        historyEvents += 1;
        break;
      case 'StateEntered':
        transitions += 1;
        historyEvents += stateType === 'Task' ? 4 : stateType === 'Map' || stateType === 'Parallel' ? 2 : 1;
        break;
      case 'StateExited':
        historyEvents += stateType === 'Map' || stateType === 'Parallel' ? 2 : 1;
        break;
      case 'StateRetried':
        historyEvents += 3;
        break;
      default:
        break;
    }
  }
  return { transitions, historyEvents };
}
