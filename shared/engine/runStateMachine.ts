import './polyfills.js';
import { StateMachine } from 'aws-local-stepfunctions';
import type { CompiledTaskGroup } from '../compile/compileTaskGroup.js';
import { localFunctionArn, type RunnerFunction, substitutePlaceholders } from '../compile/resources.js';
import { execShard, type ShardInput } from './execShard.js';
import { finalizeRun } from './finalizeRun.js';
import { prepareRun } from './prepareRun.js';
import type { RunnerDeps } from './RunnerDeps.js';
import { type TaskGateInput, taskGate } from './taskGate.js';

/** Invocations are not bounded by a Lambda timeout locally; this stands for "plenty". */
const LOCAL_INVOCATION_MS = 365 * 24 * 3600 * 1000;

/** The engine's view of an event, as far as callers here read it. */
export interface EngineEvent {
  type: string;
  state?: { name: string; type: string };
}

/**
 * Executes a compiled TaskGroup with the embedded Step Functions interpreter, every Task state
 * overridden by the same core function its Lambda would run (DESIGN §1, §7). Returns the final
 * run status as finalize-run stored it, and the engine's event log.
 */
export async function runStateMachine(
  compiled: CompiledTaskGroup,
  deps: RunnerDeps,
  runId: string,
  options: { onEvent?: (event: EngineEvent) => void } = {},
): Promise<{ status: 'succeeded' | 'failed' | 'cancelled'; events: EngineEvent[] }> {
  const core: Record<RunnerFunction, (input: unknown) => Promise<unknown>> = {
    'prepare-run': (input) => prepareRun(deps, input as { runId: string }),
    'task-gate': (input) => taskGate(deps, input as TaskGateInput),
    'exec-host': (input) => execShard(deps, input as ShardInput, { remainingMs: () => LOCAL_INVOCATION_MS }),
    'finalize-run': (input) => finalizeRun(deps, input as { runId: string; error?: string }),
  };
  const overrides = Object.fromEntries(
    Object.entries(compiled.taskStates).map(([state, fn]) => [
      state,
      (input: unknown) => core[fn](input) as never,
    ]),
  );
  // Lambda service errors cannot happen in-process; a retry here would only repeat a real bug.
  const retryIntervalOverrides = Object.fromEntries(
    Object.keys(compiled.taskStates).map((state) => [state, 0]),
  );
  // The compiler's output is validated against the ASL schema by the test suite; validating it
  // again here would cost every local run about half a second.
  const machine = new StateMachine(substitutePlaceholders(compiled.definition, localFunctionArn) as never, {
    validationOptions: { noValidate: true },
  });
  const execution = machine.run(
    { runId },
    { overrides: { taskResourceLocalHandlers: overrides, retryIntervalOverrides } },
  );
  const events: EngineEvent[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event as EngineEvent);
      options.onEvent?.(event as EngineEvent);
    }
  })();
  try {
    await execution.result;
  } catch {
    // A failed run ends in the definition's Fail state; its status is in the store either way.
  }
  await collecting;
  const run = await deps.store.getRun(runId);
  const status = run?.status === 'running' || !run ? 'failed' : run.status;
  return { status, events };
}
