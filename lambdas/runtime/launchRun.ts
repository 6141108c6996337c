import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RunnerDeps } from '../../shared/engine/RunnerDeps.js';
import { type RunRequest, startRun } from '../../shared/engine/startRun.js';
import { UnknownTaskGroupError } from '../../shared/errors.js';
import { cloudRunnerDeps, createAwsClients, createEventPublisher, createRunStore } from './cloud.js';
import { ENV } from './env.js';
import { loadDeploymentBundle } from './loadDeploymentBundle.js';

/** TaskGroup name → ARN of its state machine (the `STEPFLEET_STATE_MACHINES` variable). */
export type StateMachineArns = Readonly<Record<string, string>>;

/** A started (or, for a repeated request, already started) run. */
export interface LaunchedRun {
  runId: string;
  /** False when the idempotency key or run id named a run that already existed. */
  created: boolean;
  executionArn: string;
}

/**
 * Records a run (`startRun`: checks, idempotency) and starts its state machine, named after the
 * run id and given `{ runId }` only — inputs, which may be confidential, stay in the store.
 *
 * Repeating a launch is safe: the run id is the execution name, so Step Functions either returns
 * the running execution or reports `ExecutionAlreadyExists`, which means it was started before.
 * A retried `POST /runs` with the same idempotency key, or a Scheduler retry with the same
 * scheduled time, therefore never starts a run twice.
 */
export async function launchRun(
  deps: RunnerDeps,
  sfn: SFNClient,
  stateMachines: StateMachineArns,
  request: RunRequest,
): Promise<LaunchedRun> {
  const stateMachineArn = stateMachines[request.taskGroup];
  if (stateMachineArn === undefined) throw new UnknownTaskGroupError(request.taskGroup);
  const { runId, created } = await startRun(deps, request);
  try {
    await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: runId, input: JSON.stringify({ runId }) }),
    );
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) {
      // Without a key nobody can retry this run: close it rather than leave it `running` forever.
      if (created && request.idempotencyKey === undefined && request.runId === undefined) {
        await deps.store.finishRun({ runId, status: 'failed' }).catch(() => undefined);
      }
      throw error;
    }
  }
  return { runId, created, executionArn: executionArnOf(stateMachineArn, runId) };
}

/** `arn:…:stateMachine:NAME` + run id → `arn:…:execution:NAME:RUNID`. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

/** Parses `STEPFLEET_STATE_MACHINES`. */
export function parseStateMachineArns(text: string | undefined): StateMachineArns {
  const value: unknown = JSON.parse(text ?? '{}');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('STEPFLEET_STATE_MACHINES must be a JSON object of TaskGroup name to state machine ARN');
  }
  return value as StateMachineArns;
}

/**
 * What a function that starts runs (the API's `POST /runs`, the scheduler's target) creates once
 * per container: AWS clients, the run's dependencies with an event publisher, and the state
 * machine of each TaskGroup.
 */
export function createLauncher() {
  const clients = createAwsClients();
  const events = createEventPublisher(clients);
  const deps = cloudRunnerDeps(
    { store: createRunStore(clients), bundle: loadDeploymentBundle(), clients },
    { events },
  );
  return { clients, events, deps, stateMachines: parseStateMachineArns(process.env[ENV.stateMachines]) };
}
