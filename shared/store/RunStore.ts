import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Host } from '../inventory/Host.js';
import { assembleRunResult } from './assembleRunResult.js';
import type { Cipher } from './Cipher.js';
import { capText } from './capText.js';
import {
  checkInteger,
  checkName,
  checkRef,
  GROUP_NAME,
  HOST_NAME,
  RUN_ID,
  TASK_NAME,
} from './checkArguments.js';
import { Expression } from './Expression.js';
import {
  type AnyItem,
  type CountItem,
  type HostItem,
  keys,
  MAX_SHARDS,
  type PlanItem,
  type RunItem,
  runPartition,
  type ShardItem,
  type TaskItem,
  toHostRecord,
  toRunRecord,
} from './items.js';
import { layoutWaves } from './layoutWaves.js';
import { RunStoreError } from './RunStoreError.js';
import { Table } from './Table.js';
import { RUN_STORE_SCHEMA, TTL_ATTRIBUTE } from './tableSchema.js';
import type {
  ClaimInput,
  ClaimOutcome,
  CompleteInput,
  CompleteOutcome,
  CreateRunInput,
  CreateRunOutcome,
  HostClaim,
  HostRecord,
  HostStatus,
  MarkInput,
  MarkSummary,
  RunPage,
  RunRecord,
  RunResult,
  RunStatus,
  RunSummary,
  TaskCounts,
  TaskPlan,
  TaskPlanInput,
  TaskProgress,
  TaskStatus,
} from './types.js';

export interface RunStoreOptions {
  /** A DynamoDB client created once by the caller (module scope in a Lambda). */
  client: DynamoDBClient;
  tableName: string;
  /** Encrypts confidential inputs and outputs; {@link AesGcmCipher} locally, KMS in the cloud. */
  cipher: Cipher;
  /** Days a run's items are kept before DynamoDB TTL deletes them; default 90. */
  retentionDays?: number;
  /** Time source for calls that do not pass `now`. */
  clock?: () => Date;
}

/** Per-stream cap of stored stdout/stderr (tail kept), so a host record stays far below 400 KB. */
const STREAM_MAX_BYTES = 64 * 1024;
/** Cap of one host's stored outputs (after encryption). */
const OUTPUTS_MAX_BYTES = 160 * 1024;
/** Largest shard item accepted; DynamoDB's limit is 400 KB, the margin covers size-estimate error. */
const SHARD_ITEM_MAX_BYTES = 350 * 1024;
const ERROR_MAX_BYTES = 4 * 1024;
/** Conditional writes lost to a concurrent writer are re-evaluated at most this many times. */
/** Hosts counted by one conditional update (its condition names each; expressions stay small). */
const COUNT_BATCH = 40;
const CONTENTION_ROUNDS = 8;
const MARK_CONCURRENCY = 16;
const COUNTED_STATUSES = [
  'success',
  'failed',
  'timed_out',
  'unreachable',
  'cancelled',
  'skipped',
  'unknown',
] as const;
const TASK_TERMINAL: readonly TaskStatus[] = ['success', 'failed', 'skipped', 'timed_out', 'cancelled'];
const RUN_TERMINAL: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];
/** Attributes a new claim clears: the previous attempt's result. */
const RESULT_ATTRIBUTES = [
  'completedBy',
  'exitCode',
  'signal',
  'stdout',
  'stderr',
  'error',
  'finishedAt',
  'durationMs',
  'outputs',
  'secretOutputs',
];

/**
 * The run store: one DynamoDB table holding runs, task plans (sharded host lists), per-host
 * execution records with their outputs, task statuses and the gate's counters. Correctness rests
 * on conditional writes only (no transactions), see docs/store.md.
 *
 * @example
 * const store = new RunStore({ client, tableName: 'stepfleet-runs', cipher: new AesGcmCipher(key) });
 * const outcome = await store.claimHostAttempt({ runId, task, shard, host: 'web-1', attempt: 1, leaseMs, idempotent: false });
 * if (outcome.kind === 'claimed') {
 *   const result = await executor.run(request);
 *   await store.completeHostAttempt({ claim: outcome.claim, result, final: true });
 * }
 */
export class RunStore {
  readonly #db: Table;
  readonly #cipher: Cipher;
  readonly #retentionSeconds: number;
  readonly #clock: () => Date;

  constructor(options: RunStoreOptions) {
    const retentionDays = options.retentionDays ?? 90;
    if (!(retentionDays > 0)) {
      throw new RunStoreError('INVALID_ARGUMENT', `retentionDays must be positive, got ${retentionDays}.`);
    }
    this.#db = new Table(options.client, options.tableName);
    this.#cipher = options.cipher;
    this.#retentionSeconds = Math.round(retentionDays * 86_400);
    this.#clock = options.clock ?? (() => new Date());
  }

  // ---------------------------------------------------------------- runs

  /**
   * Records a new run (status `running`). Confidential inputs are encrypted. With an
   * `idempotencyKey`, a repeated request for the same TaskGroup returns the first run's id.
   */
  async createRun(input: CreateRunInput): Promise<CreateRunOutcome> {
    checkName('runId', input.runId, RUN_ID);
    checkName('taskGroup', input.taskGroup, GROUP_NAME);
    for (const task of input.tasks) checkName('task', task, TASK_NAME);
    const now = input.now ?? this.#clock();
    let runId = input.runId;
    let conflict = false;
    if (input.idempotencyKey !== undefined) {
      if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 256) {
        throw new RunStoreError('INVALID_ARGUMENT', 'idempotencyKey must be 1 to 256 characters long.');
      }
      const key = keys.idempotency(input.taskGroup, input.idempotencyKey);
      const put = await this.#db.putIfAbsent({
        ...key,
        type: 'idempotency',
        runId,
        fingerprint: input.requestFingerprint ?? null,
        [TTL_ATTRIBUTE]: this.#expiresAt(now),
      });
      if (!put) {
        const existing = await this.#db.get<{ runId: string; fingerprint?: string | null }>(key);
        if (existing) {
          runId = existing.runId;
          conflict = (existing.fingerprint ?? null) !== (input.requestFingerprint ?? null);
        }
      }
    }

    const inputs: Record<string, string> = {};
    const secretInputs: Record<string, string> = {};
    const confidential = new Set(input.confidentialInputs ?? []);
    for (const [name, value] of Object.entries(input.inputs ?? {})) {
      if (confidential.has(name)) secretInputs[name] = await this.#cipher.encrypt(value);
      else inputs[name] = value;
    }
    const startedAt = now.toISOString();
    const listingKey = `${startedAt}#${runId}`;
    const item: RunItem & Record<string, unknown> = {
      ...keys.run(runId),
      type: 'run',
      runId,
      taskGroup: input.taskGroup,
      status: 'running',
      tasks: [...input.tasks],
      inputs,
      secretInputs,
      targets: [...(input.targets ?? [])],
      ...(input.rerun ? { rerun: input.rerun } : {}),
      ...(input.source ? { source: input.source } : {}),
      startedAt,
      cancelRequested: false,
      [RUN_STORE_SCHEMA.byTaskGroupIndex.partitionKey]: `TG#${input.taskGroup}`,
      [RUN_STORE_SCHEMA.byTaskGroupIndex.sortKey]: listingKey,
      [RUN_STORE_SCHEMA.recentIndex.partitionKey]: 'RUNS',
      [RUN_STORE_SCHEMA.recentIndex.sortKey]: listingKey,
      [TTL_ATTRIBUTE]: this.#expiresAt(now),
    };
    if (conflict) return { runId, created: false, conflict };
    return { runId, created: await this.#db.putIfAbsent(item), conflict };
  }

  /** The run's record (confidential inputs `***`), or null. */
  async getRun(runId: string): Promise<RunRecord | null> {
    const item = await this.#db.get<RunItem>(keys.run(runId));
    return item ? toRunRecord(item) : null;
  }

  /** The run's inputs with confidential ones decrypted: for handlers, never for responses. */
  async getRunInputs(runId: string): Promise<Record<string, string>> {
    const item = await this.#requireRun(runId);
    const inputs = { ...item.inputs };
    for (const [name, cipherText] of Object.entries(item.secretInputs)) {
      inputs[name] = await this.#cipher.decrypt(cipherText);
    }
    return inputs;
  }

  /** Sets the cancel-requested flag of a running run; handlers check it before dispatching. */
  async requestCancel(
    runId: string,
    now = this.#clock(),
  ): Promise<'requested' | 'not-running' | 'not-found'> {
    const e = new Expression();
    const updated = await this.#db.updateIf(keys.run(runId), e, {
      update: `SET ${e.assignments({ cancelRequested: true, cancelRequestedAt: now.toISOString() })}`,
      condition: `${e.name('status')} = ${e.value('running')}`,
    });
    if (updated) return 'requested';
    return (await this.#db.get(keys.run(runId))) ? 'not-running' : 'not-found';
  }

  /** Moves a running run to its final status; the first call wins, later ones report the stored record. */
  async finishRun(input: {
    runId: string;
    status: Exclude<RunStatus, 'running'>;
    /** Why the run ended early (an internal failure), in one line; never a secret. */
    error?: string;
    now?: Date;
  }): Promise<{ changed: boolean; run: RunRecord }> {
    if (!RUN_TERMINAL.includes(input.status)) {
      throw new RunStoreError(
        'INVALID_ARGUMENT',
        `finishRun needs one of ${RUN_TERMINAL.join(', ')}, got "${input.status}".`,
      );
    }
    const now = input.now ?? this.#clock();
    const e = new Expression();
    const updated = await this.#db.updateIf<RunItem>(keys.run(input.runId), e, {
      update: `SET ${e.assignments({
        status: input.status,
        finishedAt: now.toISOString(),
        ...(input.error === undefined ? {} : { error: input.error }),
        [TTL_ATTRIBUTE]: this.#expiresAt(now),
      })}`,
      condition: `${e.name('status')} = ${e.value('running')}`,
    });
    if (updated) return { changed: true, run: toRunRecord(updated) };
    return { changed: false, run: toRunRecord(await this.#requireRun(input.runId)) };
  }

  /** Runs newest first, of one TaskGroup or of all; pages with an opaque cursor. */
  async listRuns(query: { taskGroup?: string; limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new RunStoreError('INVALID_ARGUMENT', `limit must be an integer from 1 to 1000, got ${limit}.`);
    }
    const index =
      query.taskGroup === undefined ? RUN_STORE_SCHEMA.recentIndex : RUN_STORE_SCHEMA.byTaskGroupIndex;
    const e = new Expression();
    const partition = query.taskGroup === undefined ? 'RUNS' : `TG#${query.taskGroup}`;
    const page = await this.#db.queryIndexPage<RunItem>({
      index: index.name,
      keyCondition: `${e.name(index.partitionKey)} = ${e.value(partition)}`,
      expression: e,
      limit,
      start: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const runs = page.items.map(
      (run): RunSummary => ({
        id: run.runId,
        taskGroup: run.taskGroup,
        status: run.status,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt ?? null,
        cancelRequested: run.cancelRequested,
      }),
    );
    return { runs, cursor: page.next ? encodeCursor(page.next) : null };
  }

  // ---------------------------------------------------------------- plans

  /**
   * Stores a task's resolved hosts as shard items (one per Map item) and the plan that lays them
   * out in waves. Idempotent: when a plan exists it is returned unchanged (the first plan wins,
   * so a retried prepare step cannot re-shard hosts that may already be running).
   *
   * @throws RunStoreError `ITEM_TOO_LARGE` when one shard would not fit an item: lower `shardSize`.
   */
  async putTaskPlan(runId: string, task: string, input: TaskPlanInput): Promise<TaskPlan> {
    checkName('runId', runId, RUN_ID);
    checkName('task', task, TASK_NAME);
    const hostCount = input.hosts.length;
    const waveSize = input.waveSize ?? Math.max(hostCount, 1);
    checkInteger('shardSize', input.shardSize, 1);
    checkInteger('waveSize', waveSize, 1);
    for (const host of input.hosts) checkName('host', host.name, HOST_NAME);
    const existing = await this.getTaskPlan(runId, task);
    if (existing) return existing;

    const now = this.#clock();
    const waves = layoutWaves(hostCount, input.shardSize, waveSize);
    const shardCount = waves.reduce((sum, wave) => sum + wave.shardCount, 0);
    if (shardCount > MAX_SHARDS) {
      throw new RunStoreError(
        'INVALID_ARGUMENT',
        `A task may have at most ${MAX_SHARDS} shards; raise shardSize.`,
      );
    }
    const shardItems: ShardItem[] = [];
    for (const wave of waves) {
      const waveStart = wave.wave * waveSize;
      for (let i = 0; i < wave.shardCount; i += 1) {
        const from = waveStart + i * input.shardSize;
        const to = Math.min(from + input.shardSize, waveStart + wave.hostCount);
        const item = {
          ...keys.shard(runId, task, wave.firstShard + i),
          type: 'shard' as const,
          task,
          shard: wave.firstShard + i,
          wave: wave.wave,
          hosts: input.hosts.slice(from, to),
          [TTL_ATTRIBUTE]: this.#expiresAt(now),
        };
        const size = Buffer.byteLength(JSON.stringify(item));
        if (size > SHARD_ITEM_MAX_BYTES) {
          throw new RunStoreError(
            'ITEM_TOO_LARGE',
            `Shard ${item.shard} of task "${task}" would take about ${Math.ceil(size / 1024)} KiB, more than the ` +
              `${SHARD_ITEM_MAX_BYTES / 1024} KiB a shard item may use; lower shardSize (now ${input.shardSize}).`,
          );
        }
        shardItems.push(item);
      }
    }
    await this.#db.batchPut(shardItems);

    const plan: PlanItem & Record<string, unknown> = {
      ...keys.plan(runId, task),
      type: 'plan',
      runId,
      task,
      hostCount,
      shardSize: input.shardSize,
      shardCount,
      waveSize,
      exports: (input.exports ?? []).map((declaration) => ({ ...declaration })),
      [TTL_ATTRIBUTE]: this.#expiresAt(now),
    };
    // Written last: a plan item means every shard item is in place.
    await this.#db.putIfAbsent(plan);
    const stored = await this.getTaskPlan(runId, task);
    if (!stored)
      throw new RunStoreError('PLAN_NOT_FOUND', `Plan of task "${task}" in run ${runId} vanished.`);
    return stored;
  }

  /** A task's plan with its wave layout, or null when the task has none. */
  async getTaskPlan(runId: string, task: string): Promise<TaskPlan | null> {
    const item = await this.#db.get<PlanItem>(keys.plan(runId, task));
    if (!item) return null;
    return {
      runId,
      task,
      hostCount: item.hostCount,
      shardSize: item.shardSize,
      shardCount: item.shardCount,
      waveSize: item.waveSize,
      waves: layoutWaves(item.hostCount, item.shardSize, item.waveSize),
      exports: item.exports,
    };
  }

  /** The hosts of one shard, in plan order: what a Map iteration `{runId, task, shard}` runs. */
  async getShardHosts(runId: string, task: string, shard: number): Promise<Host[]> {
    const item = await this.#db.get<ShardItem>(keys.shard(runId, task, shard));
    if (!item) {
      throw new RunStoreError(
        'SHARD_NOT_FOUND',
        `Run ${runId} has no shard ${shard} for task "${task}"; was the task planned?`,
      );
    }
    return item.hosts;
  }

  // ---------------------------------------------------------------- tasks

  /**
   * Records a task's status: `running` once, then one terminal status; the first terminal status
   * wins and later calls get it back with `changed: false`.
   */
  async setTaskStatus(input: {
    runId: string;
    task: string;
    status: TaskStatus | 'running';
    reason?: string;
    now?: Date;
  }): Promise<{ changed: boolean; status: TaskProgress }> {
    checkName('task', input.task, TASK_NAME);
    const now = (input.now ?? this.#clock()).toISOString();
    const key = keys.task(input.runId, input.task);
    const e = new Expression();
    const running = input.status === 'running';
    if (!running && !(TASK_TERMINAL as readonly string[]).includes(input.status)) {
      throw new RunStoreError('INVALID_ARGUMENT', `Unknown task status "${input.status}".`);
    }
    const fields = running
      ? { type: 'task', task: input.task, status: 'running', startedAt: now }
      : { type: 'task', task: input.task, status: input.status, finishedAt: now, reason: input.reason };
    const notExists = `attribute_not_exists(${e.name('pk')})`;
    const updated = await this.#db.updateIf<TaskItem>(key, e, {
      update: `SET ${e.assignments({ ...fields, [TTL_ATTRIBUTE]: this.#expiresAt(new Date(now)) })}`,
      condition: running ? notExists : `${notExists} OR ${e.name('status')} = ${e.value('running')}`,
    });
    if (updated) return { changed: true, status: updated.status };
    const stored = await this.#db.get<TaskItem>(key);
    return { changed: false, status: stored?.status ?? 'pending' };
  }

  /** Every task's progress in one query: what the gates and finalization decide from. */
  async getTaskStatuses(
    runId: string,
  ): Promise<Record<string, { status: TaskProgress; reason: string | null }>> {
    const e = new Expression();
    const items = await this.#db.queryAll<TaskItem>({
      keyCondition: `${e.name('pk')} = ${e.value(runPartition(runId))} AND begins_with(${e.name('sk')}, ${e.value('TASK#')})`,
      expression: e,
    });
    return Object.fromEntries(
      items.map((item) => [item.task, { status: item.status, reason: item.reason ?? null }]),
    );
  }

  /**
   * Final host counts of a task, or of one wave of it, for the gate. Reads the task's per-shard
   * counter items only (one Query, strongly consistent), never the host records.
   */
  async getTaskCounts(input: { runId: string; task: string; wave?: number }): Promise<TaskCounts> {
    const plan = await this.getTaskPlan(input.runId, input.task);
    if (!plan)
      throw new RunStoreError('PLAN_NOT_FOUND', `Run ${input.runId} has no plan for task "${input.task}".`);
    let first = 0;
    let count = plan.shardCount;
    let total = plan.hostCount;
    if (input.wave !== undefined) {
      const wave = plan.waves[input.wave];
      if (!wave) {
        throw new RunStoreError(
          'INVALID_ARGUMENT',
          `Task "${input.task}" has waves 0 to ${plan.waves.length - 1}, not ${input.wave}.`,
        );
      }
      ({ firstShard: first, shardCount: count, hostCount: total } = wave);
    }
    const counts: TaskCounts = {
      total,
      finished: 0,
      success: 0,
      failed: 0,
      timed_out: 0,
      unreachable: 0,
      cancelled: 0,
      skipped: 0,
      unknown: 0,
    };
    if (count === 0) return counts;
    const e = new Expression();
    const items = await this.#db.queryAll<CountItem>({
      keyCondition: `${e.name('pk')} = ${e.value(runPartition(input.runId))} AND ${e.name('sk')} BETWEEN ${e.value(
        keys.count(input.runId, input.task, first).sk,
      )} AND ${e.value(keys.count(input.runId, input.task, first + count - 1).sk)}`,
      projection: COUNTED_STATUSES.map((status) => e.name(`n_${status}`)).join(', '),
      expression: e,
    });
    for (const item of items) {
      for (const status of COUNTED_STATUSES) {
        const n = item[`n_${status}`] ?? 0;
        counts[status] += n;
        counts.finished += n;
      }
    }
    return counts;
  }

  // ---------------------------------------------------------------- host attempts

  /**
   * Claims one attempt of one host before anything is sent to it. Exactly one of any number of
   * concurrent callers gets `claimed`; the others learn that the attempt is `in-flight` or
   * `finished`. A claim whose lease ran out becomes `unknown` (first caller to notice wins), or,
   * for an `idempotent` task, is taken over and run again.
   */
  async claimHostAttempt(input: ClaimInput): Promise<ClaimOutcome> {
    checkRef(input);
    checkInteger('attempt', input.attempt, 1);
    checkInteger('leaseMs', input.leaseMs, 1);
    const now = input.now ?? this.#clock();
    for (let round = 0; round < CONTENTION_ROUNDS; round += 1) {
      const token = randomUUID();
      const leaseUntil = now.getTime() + input.leaseMs;
      const fields = {
        type: 'host',
        runId: input.runId,
        task: input.task,
        shard: input.shard,
        host: input.host,
        status: 'running',
        final: false,
        attempt: input.attempt,
        claimToken: token,
        leaseUntil,
        startedAt: now.toISOString(),
        reclaims: 0,
        [TTL_ATTRIBUTE]: this.#expiresAt(now),
      };
      const key = keys.host(input.runId, input.task, input.host);
      let claimed: boolean;
      if (input.attempt === 1) {
        // A first attempt can only claim a host that has no item yet: a conditional put, the
        // cheapest write there is (most claims of a run are first attempts).
        claimed = await this.#db.putIfAbsent({ ...key, ...fields });
      } else {
        const e = new Expression();
        const status = e.name('status');
        claimed =
          (await this.#db.updateIf(key, e, {
            update: `SET ${e.assignments(fields)} REMOVE ${RESULT_ATTRIBUTES.map((name) => e.name(name)).join(', ')}`,
            // Unclaimed, or the previous attempt ended non-final (a retry follows).
            condition:
              `attribute_not_exists(${e.name('pk')}) OR (${status} <> ${e.value('running')} AND ` +
              `${e.name('final')} = ${e.value(false)} AND ${e.name('attempt')} < ${e.value(input.attempt)})`,
            returnItem: false,
          })) !== null;
      }
      if (claimed) {
        return { kind: 'claimed', claim: toClaim(input, input.attempt, token, leaseUntil, false) };
      }
      const item = await this.#db.get<HostItem>(keys.host(input.runId, input.task, input.host));
      if (!item) continue;
      const outcome = await this.#resolveClaim(item, input, now);
      if (outcome) return outcome;
    }
    throw contention(input);
  }

  /**
   * Waits (polling, bounded by `timeoutMs`) for another caller's attempt to finish. Returns
   * `finished` with the stored record; if the holder's lease runs out meanwhile it resolves the
   * claim as {@link claimHostAttempt} would (so an idempotent task may come back `claimed`);
   * `in-flight` when the bound passes first. Lease times are read from the store's clock on each
   * poll; `input.now` is not used.
   */
  async waitForResult(
    input: ClaimInput,
    options: { timeoutMs: number; pollMs?: number },
  ): Promise<ClaimOutcome> {
    checkRef(input);
    const pollMs = options.pollMs ?? 500;
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const item = await this.#db.get<HostItem>(keys.host(input.runId, input.task, input.host));
      const now = this.#clock();
      if (item === null || item.status !== 'running' || (item.leaseUntil ?? 0) <= now.getTime()) {
        if (item && item.status !== 'running' && (item.final || item.attempt >= input.attempt)) {
          if (item.final) await this.#count(item, item.status);
          return { kind: 'finished', record: toHostRecord(item) };
        }
        return this.claimHostAttempt({ ...input, now });
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        return { kind: 'in-flight', attempt: item.attempt, leaseExpiresAt: isoOf(item.leaseUntil) };
      }
      const untilLease = (item.leaseUntil ?? 0) - now.getTime() + 1;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(1, Math.min(pollMs, remaining, untilLease))),
      );
    }
  }

  /**
   * Writes an attempt's result if the claim still holds, and counts the host once when `final`.
   * A repeated call with the same claim is a `duplicate` (nothing written twice); a claim lost to
   * lease expiry is `lost-claim` and the stored record stands.
   */
  async completeHostAttempt(input: CompleteInput): Promise<CompleteOutcome> {
    const { claim, result } = input;
    checkRef(claim);
    const now = input.now ?? this.#clock();
    const final = input.final || result.status === 'success';
    const confidential = new Set(input.confidentialOutputs ?? []);
    const outputs: Record<string, string> = {};
    const secretOutputs: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.outputs)) {
      if (confidential.has(name)) secretOutputs[name] = await this.#cipher.encrypt(value);
      else outputs[name] = value;
    }
    let status: HostStatus = result.status;
    let error = result.error;
    const outputBytes = Buffer.byteLength(JSON.stringify([outputs, secretOutputs]));
    const tooLarge = outputBytes > OUTPUTS_MAX_BYTES;
    if (tooLarge) {
      status = 'failed';
      error =
        `Host "${claim.host}" wrote ${Math.ceil(outputBytes / 1024)} KiB of outputs, more than the ` +
        `${OUTPUTS_MAX_BYTES / 1024} KiB the run store keeps per host; export a reference (a path or URL) instead.`;
    }
    const written = {
      status,
      final,
      completedBy: claim.token,
      exitCode: result.exitCode,
      signal: result.signal,
      stdout: capText(result.stdout, STREAM_MAX_BYTES),
      stderr: capText(result.stderr, STREAM_MAX_BYTES),
      error: error === null ? null : capText({ text: error, droppedBytes: 0 }, ERROR_MAX_BYTES).text,
      startedAt: result.startedAt,
      finishedAt: now.toISOString(),
      durationMs: result.durationMs,
      outputs: tooLarge ? {} : outputs,
      secretOutputs: tooLarge ? {} : secretOutputs,
    };
    const e = new Expression();
    // The result is built from what was written rather than read back: the item's other
    // attributes are the claim's, and a read-back would return the host's streams once more.
    const recorded = await this.#db.updateIf(keys.host(claim.runId, claim.task, claim.host), e, {
      update: `SET ${e.assignments({ ...written, [TTL_ATTRIBUTE]: this.#expiresAt(now) })}`,
      condition: `${e.name('claimToken')} = ${e.value(claim.token)} AND ${e.name('status')} = ${e.value('running')}`,
      returnItem: false,
    });
    if (recorded) {
      const item = {
        ...written,
        runId: claim.runId,
        task: claim.task,
        shard: claim.shard,
        host: claim.host,
        attempt: claim.attempt,
      } as HostItem;
      if (final && !input.deferCount) await this.#count(item, status);
      return { kind: 'recorded', record: toHostRecord(item) };
    }
    const stored = await this.#db.get<HostItem>(keys.host(claim.runId, claim.task, claim.host));
    if (!stored) throw contention(claim);
    // Heal the count in case the writer of the stored result stopped before counting it.
    if (stored.status !== 'running' && stored.final) await this.#count(stored, stored.status);
    const kind = stored.completedBy === claim.token ? 'duplicate' : 'lost-claim';
    return { kind, record: toHostRecord(stored) };
  }

  /**
   * Closes hosts of a shard that will not run (a task or wave that will not start): a host with
   * no record ends `skipped`; a host whose last attempt failed non-final keeps that failure as
   * final; an expired claim ends `unknown`; a live claim is left to its holder. Every final host
   * is counted, exactly once.
   */
  markSkipped(input: MarkInput): Promise<MarkSummary> {
    return this.#markHosts(input, 'skipped');
  }

  /** As {@link RunStore.markSkipped}, for a cancelled run: hosts with no record end `cancelled`. */
  markCancelled(input: MarkInput): Promise<MarkSummary> {
    return this.#markHosts(input, 'cancelled');
  }

  /**
   * As {@link RunStore.markSkipped}, for hosts a wave should have run but no runner reached (an
   * invocation that crashed or timed out): hosts with no record end `failed`, with the reason.
   */
  markNotRun(input: MarkInput): Promise<MarkSummary> {
    return this.#markHosts(input, 'failed');
  }

  /** One host's stored record (confidential outputs `***`), or null before its first claim. */
  async getHostRecord(ref: { runId: string; task: string; host: string }): Promise<HostRecord | null> {
    const item = await this.#db.get<HostItem>(keys.host(ref.runId, ref.task, ref.host));
    return item ? toHostRecord(item) : null;
  }

  /**
   * One host's outputs with confidential values decrypted, for resolving imports inside a
   * handler; null when the host has no record. Never put the result in a response or payload.
   */
  async getHostOutputs(ref: {
    runId: string;
    task: string;
    host: string;
  }): Promise<Record<string, string> | null> {
    const item = await this.#db.get<HostItem>(keys.host(ref.runId, ref.task, ref.host));
    if (!item) return null;
    const outputs = { ...(item.outputs ?? {}) };
    for (const [name, cipherText] of Object.entries(item.secretOutputs ?? {})) {
      outputs[name] = await this.#cipher.decrypt(cipherText);
    }
    return outputs;
  }

  // ---------------------------------------------------------------- results

  /** The run's result in the DESIGN §5 shape, confidential values `***`; null for an unknown run. */
  async getRunResult(runId: string): Promise<RunResult | null> {
    const e = new Expression();
    const items = await this.#db.queryAll<AnyItem>({
      keyCondition: `${e.name('pk')} = ${e.value(runPartition(runId))}`,
      expression: e,
    });
    const run = items.find((item): item is RunItem => item.type === 'run');
    return run ? assembleRunResult(run, items) : null;
  }

  // ---------------------------------------------------------------- internals

  /** Decides a claim that lost its conditional write, from the stored item; null means try again. */
  async #resolveClaim(item: HostItem, input: ClaimInput, now: Date): Promise<ClaimOutcome | null> {
    if (item.status !== 'running') {
      if (item.final) {
        await this.#count(item, item.status);
        return { kind: 'finished', record: toHostRecord(item) };
      }
      // A non-final earlier attempt is claimable: the next round's conditional write takes it.
      return item.attempt >= input.attempt ? { kind: 'finished', record: toHostRecord(item) } : null;
    }
    const leaseUntil = item.leaseUntil ?? 0;
    if (leaseUntil > now.getTime()) {
      return { kind: 'in-flight', attempt: item.attempt, leaseExpiresAt: isoOf(leaseUntil) };
    }
    const e = new Expression();
    const holds = `${e.name('claimToken')} = ${e.value(item.claimToken)} AND ${e.name('status')} = ${e.value('running')}`;
    if (input.idempotent) {
      const token = randomUUID();
      const attempt = Math.max(item.attempt, input.attempt);
      const lease = now.getTime() + input.leaseMs;
      const taken = await this.#db.updateIf(keys.host(input.runId, input.task, input.host), e, {
        update:
          `SET ${e.assignments({ claimToken: token, leaseUntil: lease, attempt, startedAt: now.toISOString() })} ` +
          `ADD ${e.name('reclaims')} ${e.value(1)}`,
        condition: holds,
      });
      return taken ? { kind: 'claimed', claim: toClaim(input, attempt, token, lease, true) } : null;
    }
    const expired = await this.#db.updateIf<HostItem>(keys.host(input.runId, input.task, input.host), e, {
      update: `SET ${e.assignments({
        status: 'unknown',
        final: true,
        completedBy: 'lease-expiry',
        finishedAt: now.toISOString(),
        error:
          `Host "${item.host}" (task "${item.task}", attempt ${item.attempt}): the claim's lease expired at ` +
          `${isoOf(leaseUntil)} without a result; the command may or may not have run. ` +
          'Declare the task idempotent: true to allow a re-run.',
      })}`,
      condition: holds,
    });
    if (!expired) return null;
    await this.#count(expired, 'unknown');
    return { kind: 'lease-expired', record: toHostRecord(expired) };
  }

  async #markHosts(input: MarkInput, status: 'skipped' | 'cancelled' | 'failed'): Promise<MarkSummary> {
    checkName('task', input.task, TASK_NAME);
    const now = input.now ?? this.#clock();
    const names =
      input.hosts ??
      (await this.getShardHosts(input.runId, input.task, input.shard)).map((host) => host.name);
    const summary: MarkSummary = { marked: 0, finalized: 0, untouched: 0 };
    await forEachLimited(names, MARK_CONCURRENCY, async (host) => {
      checkName('host', host, HOST_NAME);
      summary[await this.#markHost({ ...input, host }, status, now)] += 1;
    });
    return summary;
  }

  async #markHost(
    ref: MarkInput & { host: string },
    status: 'skipped' | 'cancelled' | 'failed',
    now: Date,
  ): Promise<keyof MarkSummary> {
    const key = keys.host(ref.runId, ref.task, ref.host);
    for (let round = 0; round < CONTENTION_ROUNDS; round += 1) {
      const e = new Expression();
      const written = await this.#db.updateIf<HostItem>(key, e, {
        update: `SET ${e.assignments({
          type: 'host',
          runId: ref.runId,
          task: ref.task,
          shard: ref.shard,
          host: ref.host,
          status,
          final: true,
          attempt: 0,
          completedBy: 'mark',
          error: ref.reason ?? null,
          finishedAt: now.toISOString(),
          [TTL_ATTRIBUTE]: this.#expiresAt(now),
        })}`,
        condition: `attribute_not_exists(${e.name('pk')})`,
      });
      if (written) {
        await this.#count(written, status);
        return 'marked';
      }
      const item = await this.#db.get<HostItem>(key);
      if (!item) continue;
      if (item.final) {
        await this.#count(item, item.status);
        return 'untouched';
      }
      if (item.status === 'running') {
        if (!ref.force && (item.leaseUntil ?? 0) > now.getTime()) return 'untouched';
        // A holder that vanished: no re-run now that the hosts are being closed, so `unknown`.
        // Forced (finalization): no holder can report any more, so its lease counts as over.
        const asOf = ref.force ? new Date(Math.max(now.getTime(), (item.leaseUntil ?? 0) + 1)) : now;
        const outcome = await this.#resolveClaim(
          item,
          { ...ref, attempt: item.attempt, leaseMs: 1, idempotent: false },
          asOf,
        );
        if (outcome) return 'finalized';
        continue;
      }
      // The last attempt ended non-final and no retry will come: it stands as the result.
      const f = new Expression();
      const finalized = await this.#db.updateIf<HostItem>(key, f, {
        update: `SET ${f.name('final')} = ${f.value(true)}`,
        condition:
          `${f.name('final')} = ${f.value(false)} AND ${f.name('attempt')} = ${f.value(item.attempt)} AND ` +
          `${f.name('status')} = ${f.value(item.status)}`,
      });
      if (finalized) {
        await this.#count(finalized, finalized.status);
        return 'finalized';
      }
    }
    throw contention(ref);
  }

  /**
   * Counts final hosts recorded with `deferCount`, many per write: one conditional update adds a
   * batch of hosts to the shard's `counted` set and their statuses to the counters, refused when
   * any of them is counted already; a refused batch is counted host by host (each exactly once).
   * A runner that dies before calling this leaves hosts final but uncounted: the gate's sweep
   * (`markNotRun`) counts them.
   */
  async countFinalHosts(input: {
    runId: string;
    task: string;
    shard: number;
    hosts: readonly { host: string; status: HostStatus }[];
  }): Promise<void> {
    for (let at = 0; at < input.hosts.length; at += COUNT_BATCH) {
      const batch = input.hosts.slice(at, at + COUNT_BATCH);
      const e = new Expression();
      const counted = e.name('counted');
      const increments = new Map<HostStatus, number>();
      for (const { status } of batch) increments.set(status, (increments.get(status) ?? 0) + 1);
      const added = await this.#db.updateIf(keys.count(input.runId, input.task, input.shard), e, {
        update:
          `SET ${e.assignments({ type: 'count', task: input.task, shard: input.shard, [TTL_ATTRIBUTE]: this.#expiresAt(this.#clock()) })} ` +
          `ADD ${counted} ${e.value(new Set(batch.map((b) => b.host)))}, ` +
          [...increments].map(([status, n]) => `${e.name(`n_${status}`)} ${e.value(n)}`).join(', '),
        condition: batch.map((b) => `NOT contains(${counted}, ${e.value(b.host)})`).join(' AND '),
        returnItem: false,
      });
      if (added) continue;
      for (const { host, status } of batch) {
        await this.#count(
          { runId: input.runId, task: input.task, shard: input.shard, host } as HostItem,
          status,
        );
      }
    }
  }

  /**
   * Counts a final host in its shard's counter item, exactly once: the same conditional update
   * adds the host to the item's `counted` set and increments `n_<status>`, and is refused when
   * the host is already in the set. Safe to repeat, which is how interrupted writers are healed.
   */
  async #count(item: HostItem, status: HostStatus | 'running'): Promise<void> {
    if (status === 'running') return;
    const e = new Expression();
    const counted = e.name('counted');
    await this.#db.updateIf(keys.count(item.runId, item.task, item.shard), e, {
      update:
        `SET ${e.assignments({ type: 'count', task: item.task, shard: item.shard, [TTL_ATTRIBUTE]: this.#expiresAt(this.#clock()) })} ` +
        `ADD ${counted} ${e.value(new Set([item.host]))}, ${e.name(`n_${status}`)} ${e.value(1)}`,
      condition: `NOT contains(${counted}, ${e.value(item.host)})`,
      returnItem: false,
    });
  }

  async #requireRun(runId: string): Promise<RunItem> {
    const item = await this.#db.get<RunItem>(keys.run(runId));
    if (!item) throw new RunStoreError('RUN_NOT_FOUND', `No run ${runId} in table ${this.#db.name}.`);
    return item;
  }

  #expiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.#retentionSeconds;
  }
}

function toClaim(
  ref: ClaimInput,
  attempt: number,
  token: string,
  leaseUntil: number,
  reclaimed: boolean,
): HostClaim {
  return {
    runId: ref.runId,
    task: ref.task,
    shard: ref.shard,
    host: ref.host,
    attempt,
    token,
    leaseExpiresAt: isoOf(leaseUntil),
    reclaimed,
  };
}

function contention(ref: { runId: string; task: string; host: string }): Error {
  return new Error(
    `Host "${ref.host}" of task "${ref.task}" in run ${ref.runId}: the record kept changing under ` +
      `${CONTENTION_ROUNDS} conditional writes; retry the call.`,
  );
}

function isoOf(epochMs: number | undefined): string {
  return new Date(epochMs ?? 0).toISOString();
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (key !== null && typeof key === 'object' && Object.values(key).every((v) => typeof v === 'string')) {
      return key as Record<string, unknown>;
    }
  } catch {
    // reported below
  }
  throw new RunStoreError('INVALID_ARGUMENT', 'cursor is not one that listRuns returned.');
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
