import type { CapturedText, ExecutionResult, ExecutionStatus } from '../exec/HostExecutor.js';
import type { Host } from '../inventory/Host.js';

/** Status of a whole run (DESIGN §5). */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Final status of a task (DESIGN §5). */
export type TaskStatus = 'success' | 'failed' | 'skipped' | 'timed_out' | 'cancelled';

/** Final status of one host in one task (DESIGN §5). */
export type HostStatus = ExecutionStatus | 'skipped' | 'unknown';

/** While a run is in progress a task may not have started yet or may still be running. */
export type TaskProgress = TaskStatus | 'pending' | 'running';

/** While a run is in progress a host may not have been claimed yet, or be running. */
export type HostProgress = HostStatus | 'pending' | 'running';

export interface CreateRunInput {
  runId: string;
  taskGroup: string;
  /** Every task of the group in the order results should list them. */
  tasks: readonly string[];
  inputs?: Readonly<Record<string, string>>;
  /** Names among `inputs` stored encrypted and shown as `***`. */
  confidentialInputs?: readonly string[];
  /** A second request with the same key for the same TaskGroup gets the first run back. */
  idempotencyKey?: string;
  /** Digest of the request behind `idempotencyKey`: a reuse of the key with another request is a conflict. */
  requestFingerprint?: string;
  /** Selectors that replace the targets of every host task (`--target`). */
  targets?: readonly string[];
  /** This run repeats part of an earlier one (`stepfleet rerun --failed`). */
  rerun?: RerunScope;
  /** Where the TaskGroup came from (a local file), so a re-run can load it again. */
  source?: string;
  now?: Date;
}

export interface CreateRunOutcome {
  runId: string;
  /** False when the idempotency key or the run id named a run that already existed. */
  created: boolean;
  /** True when the idempotency key was first used with a different request fingerprint. */
  conflict: boolean;
}

/** A run's record as handlers and the API see it. Confidential inputs read `***`. */
/** What a re-run repeats of an earlier run. */
export interface RerunScope {
  /** The run being repeated; its outputs stand for hosts and tasks not repeated. */
  of: string;
  /** Tasks that succeeded there and are not run again. */
  reuse: string[];
  /** Tasks run again on some of their hosts only: task → host names. Other tasks run in full. */
  hosts: Record<string, string[]>;
}

export interface RunRecord {
  id: string;
  taskGroup: string;
  rerun: RerunScope | null;
  /** Where the TaskGroup came from, when the starter said. */
  source: string | null;
  /** Target overrides given at start; empty when the tasks' own targets apply. */
  targets: string[];
  status: RunStatus;
  tasks: string[];
  inputs: Record<string, string>;
  startedAt: string;
  finishedAt: string | null;
  /** Why the run ended early, when an internal failure ended it. */
  error: string | null;
  cancelRequested: boolean;
}

/** One row of a run listing. */
export type RunSummary = Pick<
  RunRecord,
  'id' | 'taskGroup' | 'status' | 'startedAt' | 'finishedAt' | 'cancelRequested'
>;

export interface RunPage {
  runs: RunSummary[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  cursor: string | null;
}

/** An export a task declares, as the store needs it for result assembly. */
export interface ExportDeclaration {
  name: string;
  confidential?: boolean;
  /** `global` exports also appear in the run's top-level `outputs`. */
  scope?: 'task' | 'global';
}

export interface TaskPlanInput {
  /** Resolved target hosts, de-duplicated, in selector order. */
  hosts: readonly Host[];
  /** Hosts per shard: one Map item (one Lambda invocation) handles one shard. */
  shardSize: number;
  /** Hosts per rolling wave (`batch` resolved to a count); absent: one wave with every host. */
  waveSize?: number;
  exports?: readonly ExportDeclaration[];
}

/** Shards of one wave: `firstShard … firstShard + shardCount - 1`. */
export interface WaveLayout {
  wave: number;
  firstShard: number;
  shardCount: number;
  hostCount: number;
}

/** How a task's hosts are laid out in waves and shards. Waves never share a shard. */
export interface TaskPlan {
  runId: string;
  task: string;
  hostCount: number;
  shardSize: number;
  shardCount: number;
  waveSize: number;
  waves: WaveLayout[];
  exports: ExportDeclaration[];
}

/** Names one host of one task of one run; `shard` is where the plan put it. */
export interface HostRef {
  runId: string;
  task: string;
  shard: number;
  host: string;
}

export interface ClaimInput extends HostRef {
  /** 1 for the first execution, n + 1 for the retry after a non-final attempt n. */
  attempt: number;
  /** How long the claim holds before another caller may treat it as lost: the host timeout plus a margin. */
  leaseMs: number;
  /** The task's `idempotent`: an expired claim is re-claimed (run again) instead of ending `unknown`. */
  idempotent: boolean;
  now?: Date;
}

/** Proof of a claim; {@link RunStore.completeHostAttempt} needs it to write the result. */
export interface HostClaim extends HostRef {
  attempt: number;
  token: string;
  leaseExpiresAt: string;
  /** True when this claim took over an expired one (idempotent tasks only). */
  reclaimed: boolean;
}

/** A stored per-host execution record. Confidential output values read `***`. */
export interface HostRecord extends HostRef {
  status: HostStatus | 'running';
  /** No further attempt follows: the record is the host's result and it is counted. */
  final: boolean;
  attempt: number;
  exitCode: number | null;
  signal: string | null;
  stdout: CapturedText;
  stderr: CapturedText;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  outputs: Record<string, string>;
}

export type ClaimOutcome =
  /** Go run it, then call `completeHostAttempt` with the claim. */
  | { kind: 'claimed'; claim: HostClaim }
  /** A terminal record for this attempt (or a later one) exists: use it, do not run. */
  | { kind: 'finished'; record: HostRecord }
  /** Another caller holds a live lease: wait with `waitForResult`. */
  | { kind: 'in-flight'; attempt: number; leaseExpiresAt: string }
  /** The holder's lease ran out without a result: the record now says `unknown` (or what the holder wrote in time). */
  | { kind: 'lease-expired'; record: HostRecord };

export interface CompleteInput {
  claim: HostClaim;
  result: ExecutionResult;
  /** True when no further attempt will follow (success, or the last allowed retry): counts the host. */
  final: boolean;
  /** Names among `result.outputs` to encrypt. */
  confidentialOutputs?: readonly string[];
  /** Leave counting a final result to a later `countFinalHosts` (a runner counting in batches). */
  deferCount?: boolean;
  now?: Date;
}

export type CompleteOutcome =
  /** This call wrote the result. */
  | { kind: 'recorded'; record: HostRecord }
  /** An earlier call with the same claim already wrote it (a retried request). */
  | { kind: 'duplicate'; record: HostRecord }
  /** The claim was lost (its lease expired and another caller resolved it): the stored record stands. */
  | { kind: 'lost-claim'; record: HostRecord };

export interface MarkInput {
  runId: string;
  task: string;
  shard: number;
  /** Hosts of the shard to mark; absent: every host of the shard. */
  hosts?: readonly string[];
  reason?: string;
  /** Also close live claims (as `unknown`): for finalization, when no holder can still report. */
  force?: boolean;
  now?: Date;
}

export interface MarkSummary {
  /** Hosts that had no record and now end skipped/cancelled. */
  marked: number;
  /** Hosts whose last non-final attempt now stands as their result. */
  finalized: number;
  /** Hosts already final, or still running (their holder will write the result). */
  untouched: number;
}

/** Final host counts of a task or of one of its waves, for the gate. */
export interface TaskCounts {
  total: number;
  /** Hosts with a final record (the sum of the status counts). */
  finished: number;
  success: number;
  failed: number;
  timed_out: number;
  unreachable: number;
  cancelled: number;
  skipped: number;
  unknown: number;
}

/** One host's entry in a run result (DESIGN §5). */
export interface HostResult {
  status: HostProgress;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Bytes of stdout/stderr not kept (the captures keep the tail). */
  stdoutDroppedBytes: number;
  stderrDroppedBytes: number;
  startedAt: string | null;
  durationMs: number | null;
  attempts: number;
  error: string | null;
}

/** One task's entry in a run result (DESIGN §5). */
export interface TaskResult {
  name: string;
  status: TaskProgress;
  hosts: Record<string, HostResult>;
  /** Per export: `{ host: value }`; confidential values read `***`. */
  outputs: Record<string, Record<string, string>>;
}

/** A run's result (DESIGN §5): what the CLI prints with `--json` and `GET /runs/{id}` returns. */
export interface RunResult {
  id: string;
  taskGroup: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  inputs: Record<string, string>;
  results: Record<string, TaskResult>;
  outputs: Record<string, string>;
}
