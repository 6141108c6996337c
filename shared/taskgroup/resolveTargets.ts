import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { SourceDocument } from '../document/readDocument.js';
import type { Host } from '../inventory/Host.js';
import { parseSelector, resolveSelectors, type Selector } from '../inventory/selectors.js';
import { HOST_TASK_TYPES, type TaskGroup } from './schema.js';

/** Where one task runs once an inventory is known. */
export interface TaskTargets {
  task: string;
  /** Selectors actually used: the task's own, or the run's `--target` override. */
  selectors: string[];
  /** Resolved hosts; `[LOCAL_HOST]` for runner tasks (secret, http) and `local`. */
  hosts: Host[];
  /** `ec2:` selectors left for run time. */
  deferred: string[];
  /** True for tasks that run inside the runner rather than on hosts. */
  inRunner: boolean;
}

/**
 * Resolves every task's targets against an inventory (DESIGN §3) and checks what only hosts can
 * tell: selectors that match nothing, and imports or global exports that would be ambiguous.
 * @param overrides selectors that replace the targets of every host task (`--target`).
 */
export function resolveTargets(
  document: SourceDocument,
  group: TaskGroup,
  inventory: readonly Host[],
  overrides: readonly string[] = [],
): { targets: TaskTargets[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const byTask = new Map<string, TaskTargets>();
  for (const [i, task] of group.tasks.entries()) {
    if (!HOST_TASK_TYPES.has(task.type)) {
      byTask.set(task.name, { task: task.name, selectors: [], hosts: [], deferred: [], inRunner: true });
      continue;
    }
    const texts = overrides.length > 0 ? [...overrides] : (task.targets ?? []);
    const selectors = texts.map(parseSelector).filter((s): s is Selector => !('error' in s));
    const resolved = resolveSelectors(selectors, inventory);
    for (const index of resolved.unmatched) {
      const text = texts[index] ?? '';
      const path = overrides.length > 0 ? ['tasks', i] : ['tasks', i, 'targets', index];
      diagnostics.push(
        document.at(
          path,
          'SELECTOR_NO_MATCH',
          `selector "${text}" of task "${task.name}" matches no host in the inventory`,
        ),
      );
    }
    for (const [index, selector] of selectors.entries()) {
      if (selector.kind !== 'ec2') continue;
      const ssm = inventory.some((h) => h.transport === 'ssm');
      if (!ssm) {
        diagnostics.push(
          document.at(
            ['tasks', i, 'targets', index],
            'EC2_SELECTOR_NEEDS_SSM',
            `selector "${texts[index]}" is resolved through SSM, but the inventory has no ssm hosts`,
            {
              severity: 'warning',
            },
          ),
        );
      }
    }
    byTask.set(task.name, {
      task: task.name,
      selectors: texts,
      hosts: resolved.hosts,
      deferred: resolved.deferred.map((d) => `ec2:${d.key}=${d.value}`),
      inRunner: false,
    });
  }
  for (const [i, task] of group.tasks.entries()) {
    const own = byTask.get(task.name);
    if (!own) continue;
    for (const [k, imp] of (task.imports ?? []).entries()) {
      const source = byTask.get(imp.from);
      if (!source) continue;
      const ambiguousOn = ambiguousHosts(own, source);
      if (ambiguousOn.length > 0) {
        diagnostics.push(
          document.at(
            ['tasks', i, 'imports', k],
            'AMBIGUOUS_IMPORT',
            `import of "${imp.variable}" from "${imp.from}" is ambiguous on ${listHosts(ambiguousOn)}: "${imp.from}" runs on ${source.hosts.length} hosts, not on these`,
            {
              hint: `Run "${task.name}" only on hosts where "${imp.from}" runs, or make "${imp.from}" run on a single target.`,
            },
          ),
        );
      }
    }
    for (const [k, exp] of (task.exports ?? []).entries()) {
      if (exp.scope === 'global' && !own.inRunner && own.hosts.length + own.deferred.length > 1) {
        diagnostics.push(
          document.at(
            ['tasks', i, 'exports', k, 'scope'],
            'AMBIGUOUS_GLOBAL_EXPORT',
            `export "${exp.name}" is global but task "${task.name}" runs on ${own.hosts.length} hosts; a global value needs exactly one`,
          ),
        );
      }
    }
  }
  return { targets: group.tasks.map((t) => byTask.get(t.name) as TaskTargets), diagnostics };
}

/** Hosts of `importer` with no value from `source`: source did not run there and has many values. */
function ambiguousHosts(importer: TaskTargets, source: TaskTargets): string[] {
  if (source.inRunner || source.hosts.length + source.deferred.length <= 1) return [];
  if (importer.inRunner) return ['the runner'];
  const sourceNames = new Set(source.hosts.map((h) => h.name));
  return importer.hosts.filter((h) => !sourceNames.has(h.name)).map((h) => h.name);
}

function listHosts(names: string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}
