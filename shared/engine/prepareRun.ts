import { layoutShards } from '../compile/shardPlan.js';
import { hasErrors } from '../diagnostics/Diagnostic.js';
import { plainDocument } from '../document/readDocument.js';
import { InvalidRunRequestError } from '../errors.js';
import { type Host, LOCAL_HOST } from '../inventory/Host.js';
import { resolveTargets } from '../taskgroup/resolveTargets.js';
import type { TaskGroup } from '../taskgroup/schema.js';
import type { RunnerDeps } from './RunnerDeps.js';
import { isConfidentialExport, loadRunContext } from './runContext.js';

/**
 * First step of every run: resolves each task's hosts (inventory, overrides, `ec2:` selectors; a
 * re-run takes the hosts of the run it repeats) and stores each task's plan, cut into shards, so
 * that later steps carry shard numbers only.
 * Storing a plan is idempotent, so a retried invocation changes nothing.
 */
export async function prepareRun(deps: RunnerDeps, input: { runId: string }): Promise<null> {
  const { run, entry, group } = await loadRunContext(deps, input.runId);
  const hostsOf = run.rerun
    ? await previousHosts(deps, run.rerun.of, group)
    : await resolveHosts(deps, entry.source, group, run.targets);
  for (const task of group.tasks) {
    if (run.rerun?.reuse.includes(task.name)) continue;
    const again = run.rerun?.hosts[task.name];
    const all = hostsOf.get(task.name) ?? [];
    const hosts = again ? all.filter((h) => again.includes(h.name)) : all;
    const layout = layoutShards(hosts.length, task.strategy);
    await deps.store.putTaskPlan(run.id, task.name, {
      hosts,
      shardSize: layout.shardSize,
      waveSize: layout.waves[0]?.hostCount ?? hosts.length,
      exports: (task.exports ?? []).map((e) => ({
        name: e.name,
        confidential: isConfidentialExport(task, e.name),
        ...(e.scope === 'global' ? { scope: 'global' as const } : {}),
      })),
    });
  }
  return null;
}

/** Each task's hosts from the inventory, the run's target overrides and `ec2:` selectors. */
async function resolveHosts(
  deps: RunnerDeps,
  source: string,
  group: TaskGroup,
  overrides: string[],
): Promise<Map<string, Host[]>> {
  const inventory = await deps.inventory();
  const resolved = resolveTargets(plainDocument(source, group), group, inventory, overrides);
  if (hasErrors(resolved.diagnostics)) {
    throw new InvalidRunRequestError(
      resolved.diagnostics.map((d) => d.message).join('; '),
      resolved.diagnostics,
    );
  }
  const hostsOf = new Map<string, Host[]>();
  for (const targets of resolved.targets) {
    let hosts: Host[] = targets.inRunner ? [LOCAL_HOST] : targets.hosts;
    if (targets.deferred.length > 0) {
      if (!deps.resolveDeferred) {
        throw new InvalidRunRequestError(
          `task "${targets.task}" targets ${targets.deferred.join(', ')}, which only a cloud runner can resolve`,
          [],
        );
      }
      const found = await deps.resolveDeferred(targets.deferred);
      const known = new Set(hosts.map((h) => h.name));
      hosts = [...hosts, ...found.filter((h) => !known.has(h.name))];
      if (hosts.length === 0) {
        throw new InvalidRunRequestError(
          `selectors ${targets.deferred.join(', ')} of task "${targets.task}" match no instance`,
          [],
        );
      }
    }
    hostsOf.set(targets.task, hosts);
  }
  return hostsOf;
}

/** Each task's hosts as the repeated run planned them, so a re-run reaches the same machines. */
async function previousHosts(
  deps: RunnerDeps,
  previousRunId: string,
  group: TaskGroup,
): Promise<Map<string, Host[]>> {
  const hostsOf = new Map<string, Host[]>();
  for (const task of group.tasks) {
    const plan = await deps.store.getTaskPlan(previousRunId, task.name);
    const hosts: Host[] = [];
    for (let shard = 0; shard < (plan?.shardCount ?? 0); shard += 1)
      hosts.push(...(await deps.store.getShardHosts(previousRunId, task.name, shard)));
    hostsOf.set(task.name, hosts);
  }
  return hostsOf;
}
