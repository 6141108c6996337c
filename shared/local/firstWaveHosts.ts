import pLimit from 'p-limit';
import type { HostExecutor } from '../exec/HostExecutor.js';
import type { Host } from '../inventory/Host.js';
import type { TaskTargets } from '../taskgroup/resolveTargets.js';
import type { TaskGroup } from '../taskgroup/schema.js';

/** Connections opened ahead of a run, at most. */
export const MAX_EARLY_CONNECTIONS = 256;
/** Early connections in their handshake at once. */
export const EARLY_HANDSHAKES_AT_ONCE = 64;

/**
 * The SSH hosts a run is sure to reach first, which a local run connects to while it sets itself
 * up (loading the engine, recording the run) and while its first hosts run: the hosts of tasks
 * that depend on nothing, up to {@link MAX_EARLY_CONNECTIONS} in all. `max_concurrency` bounds the
 * hosts that run at once, not the connections: connecting runs nothing on a host, and each
 * connection is the one the run then uses. A task in rolling waves is left out (its later waves
 * may never run), and so is every task downstream of another.
 */
export function firstWaveHosts(group: TaskGroup, targets: readonly TaskTargets[]): Host[] {
  const chosen = new Map<string, Host>();
  for (const task of group.tasks) {
    if ((task.depends_on ?? []).length > 0 || task.strategy?.batch !== undefined) continue;
    const hosts = targets.find((t) => t.task === task.name)?.hosts ?? [];
    for (const host of hosts) {
      if (host.transport !== 'ssh') continue;
      if (chosen.size === MAX_EARLY_CONNECTIONS) return [...chosen.values()];
      chosen.set(host.name, host);
    }
  }
  return [...chosen.values()];
}

/**
 * Connects to `hosts` in order, {@link EARLY_HANDSHAKES_AT_ONCE} handshakes at a time: all at once
 * would hold up the run's own set-up and first claims (one thread serves every handshake) until
 * nearly all had finished. A host the run reaches first joins its connection where it stands.
 * Once `signal` aborts (the run has ended), no further connection starts. Resolves when every
 * connection started is open or has failed.
 */
export async function connectAhead(
  executor: Required<Pick<HostExecutor, 'connect'>>,
  hosts: readonly Host[],
  signal: AbortSignal,
): Promise<void> {
  const limit = pLimit(EARLY_HANDSHAKES_AT_ONCE);
  await Promise.all(hosts.map((host) => limit(() => (signal.aborted ? undefined : executor.connect(host)))));
}
