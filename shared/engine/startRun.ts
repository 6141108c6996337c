import { createHash, randomUUID } from 'node:crypto';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { hasErrors } from '../diagnostics/Diagnostic.js';
import { plainDocument } from '../document/readDocument.js';
import { InvalidRunRequestError, StepfleetError, UnknownTaskGroupError } from '../errors.js';
import type { Host } from '../inventory/Host.js';
import { parseSelector } from '../inventory/selectors.js';
import type { RerunScope } from '../store/types.js';
import { resolveTargets, type TaskTargets } from '../taskgroup/resolveTargets.js';
import { planRerun } from './planRerun.js';
import type { CatalogEntry, RunnerDeps } from './RunnerDeps.js';
import { validateInputs } from './validateInputs.js';

/** A request to run a TaskGroup (the body of `POST /runs`, or the CLI's flags). */
export interface RunRequest {
  taskGroup: string;
  inputs?: Record<string, string | number | boolean>;
  /** Selectors replacing the targets of every host task. */
  targets?: string[];
  idempotencyKey?: string;
  /** A run id chosen by the caller (the scheduler's); default a fresh UUID. */
  runId?: string;
  /** Set by {@link startRerun}. */
  rerun?: RerunScope;
  /** Where the TaskGroup came from (a local file), kept with the run for `rerun`. */
  source?: string;
}

/**
 * Starts a run that repeats the failed part of an earlier one (see {@link planRerun}), with that
 * run's inputs and targets.
 */
export async function startRerun(
  deps: RunnerDeps,
  previousRunId: string,
): Promise<{ runId: string; created: boolean; scope: RerunScope }> {
  const previous = await deps.store.getRunResult(previousRunId);
  if (!previous) throw new StepfleetError('UNKNOWN_RUN', `run ${previousRunId} is not in the run store`);
  const record = await deps.store.getRun(previousRunId);
  const scope = planRerun(previous);
  const started = await startRun(deps, {
    taskGroup: previous.taskGroup,
    inputs: await deps.store.getRunInputs(previousRunId),
    targets: record?.targets ?? [],
    rerun: scope,
    ...(record?.source ? { source: record.source } : {}),
  });
  return { ...started, scope };
}

/** Raised when an idempotency key is reused with a different request (HTTP 409). */
export class IdempotencyConflictError extends StepfleetError {
  constructor(readonly runId: string) {
    super('IDEMPOTENCY_CONFLICT', `idempotency key already used for run ${runId} with a different request`);
    this.name = 'IdempotencyConflictError';
  }
}

/** What {@link checkRunRequest} found. */
export interface CheckedRunRequest {
  inputs: ReturnType<typeof validateInputs>;
  /** Every task's resolved targets; empty for a re-run (its hosts come from the run it repeats). */
  targets: TaskTargets[];
  /** Every problem; the request is refused when one is an error. */
  details: Diagnostic[];
}

/**
 * The checks {@link startRun} makes before it records anything: inputs, `targets` selectors, then
 * (once those are sound) the targets against the inventory, with ambiguous imports. No side effect.
 */
export async function checkRunRequest(
  entry: CatalogEntry,
  request: RunRequest,
  inventory: () => Promise<Host[]>,
): Promise<CheckedRunRequest> {
  const { group, source } = entry;
  const details: Diagnostic[] = [];
  const inputs = validateInputs(group, request.inputs ?? {}, source);
  if (!inputs.ok) details.push(...inputs.diagnostics);
  const selectors = request.targets ?? [];
  for (const [i, text] of selectors.entries()) {
    const parsed = parseSelector(text);
    if ('error' in parsed)
      details.push({
        code: 'INVALID_SELECTOR',
        severity: 'error',
        file: 'request',
        path: `targets[${i}]`,
        message: parsed.error,
      });
  }
  let targets: TaskTargets[] = [];
  // A re-run takes its hosts from the run it repeats, not from today's inventory.
  if (details.length === 0 && !request.rerun) {
    const resolved = resolveTargets(plainDocument(source, group), group, await inventory(), selectors);
    details.push(...resolved.diagnostics.filter((d) => d.severity === 'error'));
    targets = resolved.targets;
  }
  return { inputs, targets, details };
}

/**
 * Checks a run request and records the run, before anything runs: unknown TaskGroup, bad inputs,
 * bad or unmatched target selectors and ambiguous imports are refused here with every problem
 * listed (DESIGN §3, §4). The state machine then starts with the run id only, so no input value
 * (confidential or not) ever travels in a Step Functions payload.
 */
export async function startRun(
  deps: RunnerDeps,
  request: RunRequest,
): Promise<{ runId: string; created: boolean }> {
  const entry = await deps.catalog.get(request.taskGroup);
  if (!entry) throw new UnknownTaskGroupError(request.taskGroup);
  const { group } = entry;
  const { inputs, details } = await checkRunRequest(entry, request, () => deps.inventory());
  if (hasErrors(details) || !inputs.ok) {
    throw new InvalidRunRequestError(
      `run of TaskGroup "${group.name}" refused: ${details.length} problem${details.length === 1 ? '' : 's'}`,
      details,
    );
  }
  const targets = request.targets ?? [];

  const runId = request.runId ?? randomUUID();
  const outcome = await deps.store.createRun({
    runId,
    taskGroup: group.name,
    tasks: group.tasks.map((t) => t.name),
    inputs: inputs.inputs.values,
    confidentialInputs: inputs.inputs.confidential,
    targets,
    ...(request.rerun ? { rerun: request.rerun } : {}),
    ...(request.source ? { source: request.source } : {}),
    ...(request.idempotencyKey === undefined
      ? {}
      : { idempotencyKey: request.idempotencyKey, requestFingerprint: fingerprint(request) }),
    ...(deps.clock ? { now: deps.clock() } : {}),
  });
  if (outcome.conflict) throw new IdempotencyConflictError(outcome.runId);
  if (outcome.created)
    deps.emit?.({
      kind: 'run',
      runId: outcome.runId,
      taskGroup: group.name,
      status: 'running',
      at: new Date().toISOString(),
    });
  return { runId: outcome.runId, created: outcome.created };
}

/** A digest of what a request asks for, independent of key order. */
function fingerprint(request: RunRequest): string {
  const canonical = JSON.stringify({
    taskGroup: request.taskGroup,
    inputs: Object.fromEntries(
      Object.entries(request.inputs ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, String(v)]),
    ),
    targets: request.targets ?? [],
  });
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}
