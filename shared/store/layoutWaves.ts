import { cutWaves } from '../compile/shardPlan.js';
import type { WaveLayout } from './types.js';

/** A plan's waves as the store keeps them: the compiler's cut (`cutWaves`), numbered. */
export function layoutWaves(hostCount: number, shardSize: number, waveSize: number): WaveLayout[] {
  return cutWaves(hostCount, waveSize, shardSize).map((wave, i) => ({
    wave: i,
    firstShard: wave.shards[0] ?? 0,
    shardCount: wave.shards.length,
    hostCount: wave.hostCount,
  }));
}
