import { AWS_LIMITS, STEPFLEET_LIMITS } from '../limits.js';
import type { Strategy } from '../taskgroup/schema.js';
import { parseCountOrPercent, resolveCount } from '../taskgroup/values.js';

/**
 * How a task's hosts are spread over Lambda invocations, fixed when the TaskGroup is compiled:
 * the Map state's `MaxConcurrency` and the hosts one invocation runs at once. Their product never
 * exceeds the task's `max_concurrency`, so the limit holds across shards without coordination.
 */
export interface TaskConcurrency {
  /** Map iterations (shards) in flight at once. */
  mapConcurrency: number;
  /** Hosts one shard runs at once; undefined = all of the shard's hosts. */
  hostsPerShard: number | undefined;
}

/** The compile-time concurrency of a task (see {@link TaskConcurrency}). */
export function taskConcurrency(strategy: Strategy | undefined): TaskConcurrency {
  const limit = strategy?.max_concurrency;
  if (limit === undefined)
    return { mapConcurrency: AWS_LIMITS.inlineMapConcurrency, hostsPerShard: undefined };
  const mapConcurrency = Math.min(
    AWS_LIMITS.inlineMapConcurrency,
    Math.ceil(limit / STEPFLEET_LIMITS.hostsPerInvocation),
  );
  return { mapConcurrency, hostsPerShard: Math.floor(limit / mapConcurrency) };
}

/** One rolling wave: a contiguous range of the task's hosts, cut into shards. */
export interface Wave {
  /** Index of the wave's first host in the task's host list. */
  firstHost: number;
  hostCount: number;
  /** Global shard indexes of this wave (shard numbering runs across waves). */
  shards: number[];
}

/** The run-time layout of one task over its resolved hosts. */
export interface ShardLayout {
  hostCount: number;
  shardSize: number;
  /** Hosts one shard runs at once. */
  shardConcurrency: number;
  waves: Wave[];
  /** Failed hosts allowed before the task fails. */
  toleratedFailures: number;
}

/**
 * Cuts `hostCount` hosts into rolling waves and shards. Shards are sized so that a wave's shards
 * all fit in one round of the Map's concurrency when they can (fewer iterations, less history, and
 * no waiting for the slowest shard of a round), but never hold more than one invocation runs
 * (`hostsPerInvocation`), nor fewer hosts than it runs at once.
 */
export function layoutShards(hostCount: number, strategy: Strategy | undefined): ShardLayout {
  const concurrency = taskConcurrency(strategy);
  const batch = strategy?.batch === undefined ? undefined : parseCountOrPercent(strategy.batch);
  const waveSize = batch === undefined ? hostCount : Math.max(1, resolveCount(batch, hostCount, 'up'));
  const tolerance =
    strategy?.tolerated_failures === undefined ? undefined : parseCountOrPercent(strategy.tolerated_failures);
  const toleratedFailures = tolerance === undefined ? 0 : resolveCount(tolerance, hostCount, 'down');

  const largestWave = Math.min(waveSize, hostCount);
  // One round of the Map's slots covers the widest wave, so each slot streams through its hosts
  // at its own concurrency instead of waiting for a whole batch of shards to finish.
  const perSlot = Math.ceil(largestWave / concurrency.mapConcurrency);
  const shardSize = Math.max(
    1,
    Math.min(
      STEPFLEET_LIMITS.hostsPerInvocation,
      largestWave,
      Math.max(concurrency.hostsPerShard ?? 1, perSlot),
    ),
  );
  const shardConcurrency = Math.min(shardSize, concurrency.hostsPerShard ?? shardSize);

  const waves = cutWaves(hostCount, waveSize, shardSize);
  return { hostCount, shardSize, shardConcurrency, waves, toleratedFailures };
}

/**
 * Cuts `hostCount` hosts, in order, into waves of `waveSize` and each wave into shards of at most
 * `shardSize`. Shards are numbered across the task and never span two waves, so the gate after a
 * wave reads exactly that wave's shards. The run store lays plans out with the same function.
 */
export function cutWaves(hostCount: number, waveSize: number, shardSize: number): Wave[] {
  const waves: Wave[] = [];
  let nextShard = 0;
  for (let first = 0; first < hostCount; first += waveSize) {
    const count = Math.min(waveSize, hostCount - first);
    const shardCount = Math.ceil(count / shardSize);
    waves.push({
      firstHost: first,
      hostCount: count,
      shards: Array.from({ length: shardCount }, (_, i) => nextShard + i),
    });
    nextShard += shardCount;
  }
  return waves;
}

/** Host index range `[start, end)` of a shard, within the task's host list. */
export function shardHostRange(layout: ShardLayout, shard: number): [number, number] {
  for (const wave of layout.waves) {
    const at = wave.shards.indexOf(shard);
    if (at < 0) continue;
    const start = wave.firstHost + at * layout.shardSize;
    return [start, Math.min(start + layout.shardSize, wave.firstHost + wave.hostCount)];
  }
  throw new RangeError(`shard ${shard} is not in this layout`);
}
