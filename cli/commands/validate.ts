import type { Command } from 'commander';
import { type Diagnostic, hasErrors, sortDiagnostics } from '../../shared/diagnostics/Diagnostic.js';
import type { Host } from '../../shared/inventory/Host.js';
import { loadInventory } from '../../shared/inventory/loadInventory.js';
import { loadTaskGroup } from '../../shared/taskgroup/loadTaskGroup.js';
import { resolveTargets, type TaskTargets } from '../../shared/taskgroup/resolveTargets.js';
import { EXIT } from '../exitCodes.js';
import { diagnosticsToJson, formatDiagnostics } from '../formatDiagnostics.js';
import { painter } from '../style.js';

interface ValidateOptions {
  inventory?: string;
  json?: boolean;
}

/** `stepfleet validate FILE… [-i INVENTORY] [--json]` */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("check TaskGroup files; with -i, resolve each task's targets against an inventory")
    .argument('<files...>', 'TaskGroup files (YAML or JSON)')
    .option('-i, --inventory <file>', 'inventory file to resolve targets against')
    .option('--json', 'print diagnostics as a JSON array on stdout')
    .addHelpText('after', '\nExit status: 0 when every file is valid, 2 when any is not.')
    .action(async (files: string[], options: ValidateOptions) => {
      process.exitCode = await validate(files, options);
    });
}

async function validate(files: string[], options: ValidateOptions): Promise<number> {
  const diagnostics: Diagnostic[] = [];
  const report: string[] = [];
  let hosts: Host[] | undefined;
  if (options.inventory !== undefined) {
    const inventory = await loadInventory(options.inventory);
    diagnostics.push(...inventory.diagnostics);
    if (inventory.ok) hosts = inventory.hosts;
  }
  for (const file of files) {
    const loaded = await loadTaskGroup(file);
    diagnostics.push(...loaded.diagnostics);
    if (!loaded.ok) continue;
    if (hosts === undefined) {
      report.push(`${file}: valid (${loaded.group.tasks.length} tasks)`);
      continue;
    }
    const resolved = resolveTargets(loaded.document, loaded.group, hosts);
    diagnostics.push(...resolved.diagnostics);
    report.push(`${file}: ${hasErrors(resolved.diagnostics) ? 'invalid with this inventory' : 'valid'}`);
    for (const t of resolved.targets) report.push(`  ${t.task}: ${describeTargets(t)}`);
  }
  const sorted = sortDiagnostics(diagnostics);
  if (options.json) process.stdout.write(diagnosticsToJson(sorted));
  else {
    const paint = painter(process.stdout);
    if (sorted.length > 0) process.stdout.write(`${formatDiagnostics(sorted, paint)}\n`);
    if (report.length > 0) process.stdout.write(`${report.join('\n')}\n`);
    const errors = sorted.filter((d) => d.severity === 'error').length;
    if (errors > 0) process.stdout.write(`${errors} error${errors === 1 ? '' : 's'}\n`);
  }
  return hasErrors(sorted) ? EXIT.invalidInput : EXIT.ok;
}

/** `web-1, web-2 (2 hosts)`, `runner`, or the deferred ec2 selectors. */
export function describeTargets(targets: TaskTargets): string {
  if (targets.inRunner) return 'runs in the runner';
  const names = targets.hosts.map((h) => h.name);
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');
  const deferred =
    targets.deferred.length > 0 ? ` + ${targets.deferred.join(', ')} (resolved at run time)` : '';
  return `${shown}${deferred} (${names.length} host${names.length === 1 ? '' : 's'})`;
}
