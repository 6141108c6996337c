import type { WaveLayout } from './types.js';

/**
 * Splits `hostCount` hosts (in plan order) into rolling waves of `waveSize` and each wave into
 * shards of at most `shardSize`. Shards are numbered across the task and never span two waves,
 * so the gate after a wave reads exactly that wave's shards.
 */
export function layoutWaves(hostCount: number, shardSize: number, waveSize: number): WaveLayout[] {
  const waves: WaveLayout[] = [];
  let firstShard = 0;
  for (let first = 0, wave = 0; first < hostCount; first += waveSize, wave += 1) {
    const waveHosts = Math.min(waveSize, hostCount - first);
    const shardCount = Math.ceil(waveHosts / shardSize);
    waves.push({ wave, firstShard, shardCount, hostCount: waveHosts });
    firstShard += shardCount;
  }
  return waves;
}
