/**
 * Item layout of the single table (see docs/store.md). Every item of a run shares the partition
 * key `RUN#<runId>`; the sort key says what the item is. Internal to the store.
 */
import type { CapturedText } from '../exec/HostExecutor.js';
import type { Host } from '../inventory/Host.js';
import type {
  ExportDeclaration,
  HostRecord,
  HostStatus,
  RerunScope,
  RunRecord,
  RunStatus,
  TaskProgress,
} from './types.js';

export const MASK = '***';

/** Shard numbers are zero-padded so that sort-key order is shard order. */
export const MAX_SHARDS = 1_000_000;
const pad = (shard: number): string => shard.toString().padStart(6, '0');

export interface Key {
  pk: string;
  sk: string;
}

const runPk = (runId: string): string => `RUN#${runId}`;

export const keys = {
  run: (runId: string): Key => ({ pk: runPk(runId), sk: 'RUN' }),
  idempotency: (taskGroup: string, key: string): Key => ({
    pk: `IDEMPOTENCY#${taskGroup}#${key}`,
    sk: 'IDEMPOTENCY',
  }),
  plan: (runId: string, task: string): Key => ({ pk: runPk(runId), sk: `PLAN#${task}` }),
  task: (runId: string, task: string): Key => ({ pk: runPk(runId), sk: `TASK#${task}` }),
  shard: (runId: string, task: string, shard: number): Key => ({
    pk: runPk(runId),
    sk: `SHARD#${task}#${pad(shard)}`,
  }),
  count: (runId: string, task: string, shard: number): Key => ({
    pk: runPk(runId),
    sk: `COUNT#${task}#${pad(shard)}`,
  }),
  host: (runId: string, task: string, host: string): Key => ({
    pk: runPk(runId),
    sk: `HOST#${task}#${host}`,
  }),
};

export const runPartition = runPk;

export interface RunItem extends Key {
  type: 'run';
  runId: string;
  taskGroup: string;
  status: RunStatus;
  tasks: string[];
  inputs: Record<string, string>;
  secretInputs: Record<string, string>;
  targets?: string[];
  rerun?: RerunScope;
  source?: string;
  error?: string;
  startedAt: string;
  finishedAt?: string;
  cancelRequested: boolean;
}

export interface PlanItem extends Key {
  type: 'plan';
  runId: string;
  task: string;
  hostCount: number;
  shardSize: number;
  shardCount: number;
  waveSize: number;
  exports: ExportDeclaration[];
}

export interface TaskItem extends Key {
  type: 'task';
  task: string;
  status: Exclude<TaskProgress, 'pending'>;
  startedAt?: string;
  finishedAt?: string;
  reason?: string;
}

export interface ShardItem extends Key {
  type: 'shard';
  task: string;
  shard: number;
  wave: number;
  hosts: Host[];
}

export interface HostItem extends Key {
  type: 'host';
  runId: string;
  task: string;
  shard: number;
  host: string;
  status: HostStatus | 'running';
  final: boolean;
  attempt: number;
  claimToken?: string;
  /** Epoch milliseconds until which the claim holds. */
  leaseUntil?: number;
  /** Claim token of the call that wrote the terminal result, or `lease-expiry` / `mark`. */
  completedBy?: string;
  exitCode?: number | null;
  signal?: string | null;
  stdout?: CapturedText;
  stderr?: CapturedText;
  error?: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  durationMs?: number | null;
  outputs?: Record<string, string>;
  secretOutputs?: Record<string, string>;
}

/** Per-shard gate counters: `n_<status>` numbers and the set of hosts already counted. */
export interface CountItem extends Key {
  type: 'count';
  counted?: Set<string>;
  [counter: `n_${string}`]: number;
}

export type AnyItem = RunItem | PlanItem | TaskItem | ShardItem | HostItem | CountItem;

const EMPTY_TEXT: CapturedText = { text: '', droppedBytes: 0 };

export function toHostRecord(item: HostItem): HostRecord {
  const outputs: Record<string, string> = { ...(item.outputs ?? {}) };
  for (const name of Object.keys(item.secretOutputs ?? {})) outputs[name] = MASK;
  return {
    runId: item.runId,
    task: item.task,
    shard: item.shard,
    host: item.host,
    status: item.status,
    final: item.final,
    attempt: item.attempt,
    exitCode: item.exitCode ?? null,
    signal: item.signal ?? null,
    stdout: item.stdout ?? EMPTY_TEXT,
    stderr: item.stderr ?? EMPTY_TEXT,
    error: item.error ?? null,
    startedAt: item.startedAt ?? null,
    finishedAt: item.finishedAt ?? null,
    durationMs: item.durationMs ?? null,
    outputs,
  };
}

export function toRunRecord(item: RunItem): RunRecord {
  const inputs: Record<string, string> = { ...item.inputs };
  for (const name of Object.keys(item.secretInputs)) inputs[name] = MASK;
  return {
    id: item.runId,
    taskGroup: item.taskGroup,
    targets: item.targets ?? [],
    rerun: item.rerun ?? null,
    source: item.source ?? null,
    status: item.status,
    tasks: item.tasks,
    inputs,
    startedAt: item.startedAt,
    finishedAt: item.finishedAt ?? null,
    error: item.error ?? null,
    cancelRequested: item.cancelRequested,
  };
}
