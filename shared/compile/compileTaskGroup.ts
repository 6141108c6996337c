import { AWS_LIMITS } from '../limits.js';
import { dependencyGraph } from '../taskgroup/dag.js';
import type { TaskGroup } from '../taskgroup/schema.js';
import {
  type JsonValue,
  LAMBDA_SERVICE_ERRORS,
  RETRYABLE_ERROR,
  type RetryRule,
  type State,
  type StateMachine,
} from './asl.js';
import { FUNCTION_TIMEOUTS, LAMBDA_PLACEHOLDERS, type RunnerFunction } from './resources.js';
import { type Schedule, scheduleTasks } from './scheduleTasks.js';
import { taskConcurrency } from './shardPlan.js';

/** Options that are not part of the TaskGroup file. */
export interface CompileOptions {
  /** Bound on a whole run (the state machine's TimeoutSeconds). Default 24 hours. */
  runTimeoutSeconds?: number;
}

/** What the compiler produces besides the definition itself. */
export interface CompiledTaskGroup {
  definition: StateMachine;
  /** Task state name → the runner function it invokes (the local engine overrides by name). */
  taskStates: Record<string, RunnerFunction>;
  /** Tasks the schedule may make wait for tasks they do not depend on. */
  inexactlyScheduled: string[];
}

export const DEFAULT_RUN_TIMEOUT_SECONDS = 24 * 3600;

/** State names the compiler derives from a task name. */
export const stateNames = (task: string) => ({
  start: `${task}.start`,
  route: `${task}.route`,
  hosts: `${task}.hosts`,
  shard: `${task}.run-shard`,
  more: `${task}.more`,
  shardDone: `${task}.shard-done`,
  shardError: `${task}.shard-error`,
  gate: `${task}.gate`,
  done: `${task}.done`,
});

const RUN_STATES = {
  prepare: 'prepare-run',
  run: 'run-tasks',
  finalize: 'finalize-run',
  finalizeAfterError: 'finalize-after-error',
  outcome: 'run-outcome',
  succeeded: 'run-succeeded',
  failed: 'run-failed',
};

/**
 * Compiles a validated TaskGroup into a Step Functions definition (DESIGN §1, §4). Pure and
 * deterministic: the same TaskGroup always gives byte-identical JSON.
 *
 * Payloads carry only the run id, task names and shard numbers; hosts, outputs and confidential
 * values stay in the run store. Host failures never throw out of a Map iteration: each task ends
 * in a gate that decides its status from the stored counts.
 */
export function compileTaskGroup(group: TaskGroup, options: CompileOptions = {}): CompiledTaskGroup {
  const taskStates: Record<string, RunnerFunction> = {};
  const invoke = (name: string, fn: RunnerFunction, fields: Record<string, JsonValue>): State => {
    taskStates[name] = fn;
    return {
      Type: 'Task',
      Resource: LAMBDA_PLACEHOLDERS[fn],
      Parameters: fields,
      TimeoutSeconds: FUNCTION_TIMEOUTS[fn].task,
      Retry: retryRules() as unknown as JsonValue,
    };
  };

  const { schedule, inexact } = scheduleTasks(dependencyGraph(group.tasks));
  let parallelCount = 0;

  /** Emits the states of a schedule into `states`; returns its entry state and exit state. */
  const emit = (node: Schedule, states: Record<string, State>, next: string | undefined): string => {
    const link = (state: State): State =>
      next === undefined ? { ...state, End: true } : { ...state, Next: next };
    if (node.kind === 'task') {
      const task = group.tasks.find((t) => t.name === node.task);
      if (!task) throw new Error(`schedule names unknown task ${node.task}`);
      const names = stateNames(task.name);
      const { mapConcurrency } = taskConcurrency(task.strategy);
      const runId = { 'runId.$': '$.runId' };
      states[names.start] = {
        ...invoke(names.start, 'task-gate', { ...runId, task: task.name, action: 'start' }),
        ResultPath: '$.cursor',
        Next: names.route,
      };
      states[names.route] = {
        Type: 'Choice',
        Choices: [{ Variable: '$.cursor.action', StringEquals: 'run-wave', Next: names.hosts }],
        Default: names.done,
      };
      states[names.hosts] = {
        Type: 'Map',
        ItemsPath: '$.cursor.shards',
        ItemSelector: {
          ...runId,
          task: task.name,
          'wave.$': '$.cursor.wave',
          'shard.$': '$$.Map.Item.Value',
        },
        MaxConcurrency: mapConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: names.shard,
          States: {
            [names.shard]: {
              ...invoke(names.shard, 'exec-host', {
                'runId.$': '$.runId',
                'task.$': '$.task',
                'wave.$': '$.wave',
                'shard.$': '$.shard',
              }),
              ResultPath: '$.progress',
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: names.shardError }],
              Next: names.more,
            },
            [names.more]: {
              Type: 'Choice',
              Choices: [{ Variable: '$.progress.done', BooleanEquals: false, Next: names.shard }],
              Default: names.shardDone,
            },
            [names.shardDone]: { Type: 'Succeed' },
            [names.shardError]: {
              Type: 'Pass',
              Comment:
                'A shard that could not finish leaves its hosts to the gate, which gives each a terminal status.',
              Result: { failed: true },
              End: true,
            },
          },
        },
        ResultPath: null,
        Next: names.gate,
      };
      states[names.gate] = {
        ...invoke(names.gate, 'task-gate', {
          ...runId,
          task: task.name,
          action: 'wave-done',
          'wave.$': '$.cursor.wave',
        }),
        ResultPath: '$.cursor',
        Next: names.route,
      };
      states[names.done] = link({ Type: 'Pass', ResultPath: null });
      return names.start;
    }
    if (node.kind === 'sequence') {
      let entry = next;
      for (const step of [...node.steps].reverse()) entry = emit(step, states, entry);
      return entry as string;
    }
    parallelCount += 1;
    const name = `parallel-${parallelCount}`;
    const branches = node.branches.map((branch) => {
      const branchStates: Record<string, State> = {};
      const startAt = emit(branch, branchStates, undefined);
      return { StartAt: startAt, States: branchStates } as unknown as JsonValue;
    });
    states[name] = link({ Type: 'Parallel', Branches: branches, ResultPath: null });
    return name;
  };

  const bodyStates: Record<string, State> = {};
  const bodyStart = emit(schedule, bodyStates, undefined);
  const runId = { 'runId.$': '$.runId' };
  const toFinalizeOnError = [
    { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: RUN_STATES.finalizeAfterError },
  ];

  const states: Record<string, State> = {
    [RUN_STATES.prepare]: {
      ...invoke(RUN_STATES.prepare, 'prepare-run', runId),
      ResultPath: null,
      Catch: toFinalizeOnError,
      Next: RUN_STATES.run,
    },
    [RUN_STATES.run]: {
      Type: 'Parallel',
      Comment:
        'One branch holding every task, so that any unexpected failure still reaches finalize-after-error.',
      Branches: [{ StartAt: bodyStart, States: bodyStates } as unknown as JsonValue],
      ResultPath: null,
      Catch: toFinalizeOnError,
      Next: RUN_STATES.finalize,
    },
    [RUN_STATES.finalize]: {
      ...invoke(RUN_STATES.finalize, 'finalize-run', runId),
      ResultPath: '$.run',
      Next: RUN_STATES.outcome,
    },
    [RUN_STATES.finalizeAfterError]: {
      ...invoke(RUN_STATES.finalizeAfterError, 'finalize-run', { ...runId, 'error.$': '$.failure.Error' }),
      ResultPath: '$.run',
      Next: RUN_STATES.outcome,
    },
    [RUN_STATES.outcome]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.run.status', StringEquals: 'succeeded', Next: RUN_STATES.succeeded }],
      Default: RUN_STATES.failed,
    },
    [RUN_STATES.succeeded]: { Type: 'Succeed', OutputPath: '$.run' },
    [RUN_STATES.failed]: {
      Type: 'Fail',
      Error: 'Stepfleet.RunFailed',
      Cause: 'The run did not succeed; its record in the run store says why.',
    },
  };

  const runTimeout = Math.min(
    options.runTimeoutSeconds ?? DEFAULT_RUN_TIMEOUT_SECONDS,
    AWS_LIMITS.executionSeconds,
  );
  const definition: StateMachine = {
    Comment: `stepfleet TaskGroup ${group.name}`,
    StartAt: RUN_STATES.prepare,
    TimeoutSeconds: runTimeout,
    States: states,
  };
  return { definition, taskStates: sortKeys(taskStates), inexactlyScheduled: inexact };
}

/** Lambda service errors and throttling, with exponential backoff and jitter. */
function retryRules(): RetryRule[] {
  return [
    {
      ErrorEquals: [...LAMBDA_SERVICE_ERRORS, RETRYABLE_ERROR],
      IntervalSeconds: 2,
      MaxAttempts: 6,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    },
  ];
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** The definition as the file `stepfleet compile` writes: two-space JSON with a final newline. */
export function renderDefinition(definition: StateMachine): string {
  return `${JSON.stringify(definition, null, 2)}\n`;
}
