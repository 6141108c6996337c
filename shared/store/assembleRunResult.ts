import {
  type AnyItem,
  type HostItem,
  MASK,
  type PlanItem,
  type RunItem,
  type ShardItem,
  type TaskItem,
  toRunRecord,
} from './items.js';
import type { HostResult, RunResult, TaskResult } from './types.js';

/**
 * Builds the DESIGN §5 result from every item of a run's partition. Pure: reads nothing, decrypts
 * nothing — confidential values are `***` because only their ciphertext's presence is looked at.
 *
 * Hosts are listed in plan order; a host with no record yet is `pending`. Task outputs list every
 * host that recorded the export; a `global` export's run-level value comes from the first host
 * (plan order) that succeeded and recorded it.
 */
export function assembleRunResult(run: RunItem, items: readonly AnyItem[]): RunResult {
  const plans = new Map<string, PlanItem>();
  const statuses = new Map<string, TaskItem>();
  const shards = new Map<string, ShardItem[]>();
  const hosts = new Map<string, Map<string, HostItem>>();
  for (const item of items) {
    if (item.type === 'plan') plans.set(item.task, item);
    else if (item.type === 'task') statuses.set(item.task, item);
    else if (item.type === 'shard') getOrCreate(shards, item.task, () => []).push(item);
    else if (item.type === 'host') getOrCreate(hosts, item.task, () => new Map()).set(item.host, item);
  }

  const taskNames = [...new Set([...run.tasks, ...plans.keys(), ...statuses.keys(), ...hosts.keys()])];
  const results: Record<string, TaskResult> = {};
  const runOutputs: Record<string, string> = {};
  for (const task of taskNames) {
    const plan = plans.get(task);
    const records = hosts.get(task) ?? new Map<string, HostItem>();
    const planned = (shards.get(task) ?? [])
      .filter((shard) => plan === undefined || shard.shard < plan.shardCount)
      .sort((a, b) => a.shard - b.shard)
      .flatMap((shard) => shard.hosts.map((host) => host.name));
    const order = [...new Set([...planned, ...records.keys()])];

    const declared = new Map((plan?.exports ?? []).map((declaration) => [declaration.name, declaration]));
    const hostResults: Record<string, HostResult> = {};
    const outputs: Record<string, Record<string, string>> = {};
    for (const name of declared.keys()) outputs[name] = {};
    for (const host of order) {
      const record = records.get(host);
      hostResults[host] = record === undefined ? pendingHost() : toHostResult(record);
      if (record === undefined) continue;
      const values = visibleOutputs(record, declared);
      for (const [name, value] of Object.entries(values)) {
        const perHost = outputs[name] ?? {};
        outputs[name] = perHost;
        perHost[host] = value;
        const global = declared.get(name)?.scope === 'global';
        if (global && record.status === 'success' && !(name in runOutputs)) runOutputs[name] = value;
      }
    }
    results[task] = {
      name: task,
      status: statuses.get(task)?.status ?? 'pending',
      hosts: hostResults,
      outputs,
    };
  }

  const header = toRunRecord(run);
  return {
    id: header.id,
    taskGroup: header.taskGroup,
    status: header.status,
    startedAt: header.startedAt,
    finishedAt: header.finishedAt,
    inputs: header.inputs,
    results,
    outputs: runOutputs,
  };
}

function visibleOutputs(
  record: HostItem,
  declared: ReadonlyMap<string, { confidential?: boolean }>,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.outputs ?? {})) {
    // A value declared confidential is masked even if a caller forgot to have it encrypted.
    values[name] = declared.get(name)?.confidential === true ? MASK : value;
  }
  for (const name of Object.keys(record.secretOutputs ?? {})) values[name] = MASK;
  return values;
}

function toHostResult(record: HostItem): HostResult {
  return {
    status: record.status,
    exitCode: record.exitCode ?? null,
    stdout: record.stdout?.text ?? '',
    stderr: record.stderr?.text ?? '',
    stdoutDroppedBytes: record.stdout?.droppedBytes ?? 0,
    stderrDroppedBytes: record.stderr?.droppedBytes ?? 0,
    startedAt: record.startedAt ?? null,
    durationMs: record.durationMs ?? null,
    attempts: record.attempt,
    error: record.error ?? null,
  };
}

function pendingHost(): HostResult {
  return {
    status: 'pending',
    exitCode: null,
    stdout: '',
    stderr: '',
    stdoutDroppedBytes: 0,
    stderrDroppedBytes: 0,
    startedAt: null,
    durationMs: null,
    attempts: 0,
    error: null,
  };
}

function getOrCreate<V>(container: Map<string, V>, key: string, create: () => V): V {
  const found = container.get(key);
  if (found !== undefined) return found;
  const made = create();
  container.set(key, made);
  return made;
}
