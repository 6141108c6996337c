import type { Host } from '../inventory/Host.js';
import type { TaskTargets } from '../taskgroup/resolveTargets.js';
import type { TaskGroup } from '../taskgroup/schema.js';

/** Connections opened ahead of a run, at most. */
const MAX_EARLY_CONNECTIONS = 32;

/**
 * The SSH hosts a run is sure to reach first, which a local run connects to while it sets itself
 * up (loading the engine, recording the run): the hosts of tasks that depend on nothing, up to
 * each task's `max_concurrency` and {@link MAX_EARLY_CONNECTIONS} in all. A task in rolling waves
 * is left out (its later waves may never run), and so is every task downstream of another.
 * Connecting runs nothing on a host; each connection is the one the run then uses.
 */
export function firstWaveHosts(group: TaskGroup, targets: readonly TaskTargets[]): Host[] {
  const chosen = new Map<string, Host>();
  for (const task of group.tasks) {
    if ((task.depends_on ?? []).length > 0 || task.strategy?.batch !== undefined) continue;
    const hosts = targets.find((t) => t.task === task.name)?.hosts ?? [];
    const limit = task.strategy?.max_concurrency ?? hosts.length;
    for (const host of hosts.filter((h) => h.transport === 'ssh').slice(0, limit)) {
      if (chosen.size === MAX_EARLY_CONNECTIONS) return [...chosen.values()];
      chosen.set(host.name, host);
    }
  }
  return [...chosen.values()];
}
