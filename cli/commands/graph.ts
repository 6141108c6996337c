import { type Command, Option } from 'commander';
import { loadInventory } from '../../shared/inventory/loadInventory.js';
import { loadTaskGroup } from '../../shared/taskgroup/loadTaskGroup.js';
import { renderDot, renderMermaid } from '../../shared/taskgroup/renderGraph.js';
import { resolveTargets } from '../../shared/taskgroup/resolveTargets.js';
import { EXIT } from '../exitCodes.js';
import { formatDiagnostics } from '../formatDiagnostics.js';
import { painter } from '../style.js';
import { describeTargets } from './validate.js';

interface GraphOptions {
  format: 'mermaid' | 'dot';
  inventory?: string;
}

/** `stepfleet graph FILE [--format mermaid|dot] [-i INVENTORY]` */
export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description("print the task DAG with each task's targets")
    .argument('<file>', 'TaskGroup file')
    .addOption(
      new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'),
    )
    .option('-i, --inventory <file>', 'show resolved hosts instead of selectors')
    .action(async (file: string, options: GraphOptions) => {
      process.exitCode = await graph(file, options);
    });
}

async function graph(file: string, options: GraphOptions): Promise<number> {
  const paint = painter(process.stderr);
  const loaded = await loadTaskGroup(file);
  if (!loaded.ok) {
    process.stderr.write(`${formatDiagnostics(loaded.diagnostics, paint)}\n`);
    return EXIT.invalidInput;
  }
  const labels = new Map<string, string>();
  for (const task of loaded.group.tasks)
    labels.set(task.name, task.targets ? task.targets.join(', ') : 'runner');
  if (options.inventory !== undefined) {
    const inventory = await loadInventory(options.inventory);
    if (!inventory.ok) {
      process.stderr.write(`${formatDiagnostics(inventory.diagnostics, paint)}\n`);
      return EXIT.invalidInput;
    }
    const resolved = resolveTargets(loaded.document, loaded.group, inventory.hosts);
    for (const t of resolved.targets) labels.set(t.task, describeTargets(t));
  }
  const render = options.format === 'dot' ? renderDot : renderMermaid;
  process.stdout.write(render(loaded.group, labels));
  return EXIT.ok;
}
