import { layoutShards } from '../compile/shardPlan.js';
import { hasErrors } from '../diagnostics/Diagnostic.js';
import { plainDocument } from '../document/readDocument.js';
import { InvalidRunRequestError } from '../errors.js';
import { type Host, LOCAL_HOST } from '../inventory/Host.js';
import { resolveTargets } from '../taskgroup/resolveTargets.js';
import type { RunnerDeps } from './RunnerDeps.js';
import { isConfidentialExport, loadRunContext } from './runContext.js';

/**
 * First step of every run: resolves each task's hosts (inventory, overrides, `ec2:` selectors)
 * and stores each task's plan, cut into shards, so that later steps carry shard numbers only.
 * Storing a plan is idempotent, so a retried invocation changes nothing.
 */
export async function prepareRun(deps: RunnerDeps, input: { runId: string }): Promise<null> {
  const { run, entry, group } = await loadRunContext(deps, input.runId);
  const inventory = await deps.inventory();
  const resolved = resolveTargets(plainDocument(entry.source, group), group, inventory, run.targets);
  if (hasErrors(resolved.diagnostics)) {
    throw new InvalidRunRequestError(
      resolved.diagnostics.map((d) => d.message).join('; '),
      resolved.diagnostics,
    );
  }
  for (const [i, task] of group.tasks.entries()) {
    const targets = resolved.targets[i];
    if (!targets) continue;
    let hosts: Host[] = targets.inRunner ? [LOCAL_HOST] : targets.hosts;
    if (targets.deferred.length > 0) {
      if (!deps.resolveDeferred) {
        throw new InvalidRunRequestError(
          `task "${task.name}" targets ${targets.deferred.join(', ')}, which only a cloud runner can resolve`,
          [],
        );
      }
      const found = await deps.resolveDeferred(targets.deferred);
      const known = new Set(hosts.map((h) => h.name));
      hosts = [...hosts, ...found.filter((h) => !known.has(h.name))];
      if (hosts.length === 0) {
        throw new InvalidRunRequestError(
          `selectors ${targets.deferred.join(', ')} of task "${task.name}" match no instance`,
          [],
        );
      }
    }
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
