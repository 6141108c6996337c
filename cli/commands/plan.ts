import Table from 'cli-table3';
import type { Command } from 'commander';
import { compileTaskGroup } from '../../shared/compile/compileTaskGroup.js';
import { estimateRun, limitWarnings, PRICES } from '../../shared/compile/estimateRun.js';
import { taskConcurrency } from '../../shared/compile/shardPlan.js';
import { hasErrors } from '../../shared/diagnostics/Diagnostic.js';
import { loadInventory } from '../../shared/inventory/loadInventory.js';
import { loadTaskGroup } from '../../shared/taskgroup/loadTaskGroup.js';
import { resolveTargets } from '../../shared/taskgroup/resolveTargets.js';
import { EXIT } from '../exitCodes.js';
import { formatDiagnostics } from '../formatDiagnostics.js';
import { colorEnabled, painter } from '../style.js';
import { describeTargets } from './validate.js';

/** `stepfleet plan FILE -i INVENTORY [--json]` */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description(
      'show hosts, shards and waves per task, estimated transitions, history events and cost, and AWS limit warnings',
    )
    .argument('<file>', 'TaskGroup file')
    .requiredOption('-i, --inventory <file>', 'inventory file')
    .option(
      '--target <selector>',
      "plan with these targets instead of the tasks' own (repeatable)",
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('--host-seconds <n>', 'assumed seconds per host execution for the cost estimate', '5')
    .option('--json', 'print the plan as JSON')
    .action(
      async (
        file: string,
        options: { inventory: string; target: string[]; hostSeconds: string; json?: boolean },
      ) => {
        process.exitCode = await plan(file, options);
      },
    );
}

async function plan(
  file: string,
  options: { inventory: string; target: string[]; hostSeconds: string; json?: boolean },
): Promise<number> {
  const paint = painter(process.stderr);
  const loaded = await loadTaskGroup(file);
  const inventory = await loadInventory(options.inventory);
  if (!loaded.ok || !inventory.ok) {
    process.stderr.write(`${formatDiagnostics([...loaded.diagnostics, ...inventory.diagnostics], paint)}\n`);
    return EXIT.invalidInput;
  }
  const hostSeconds = Number(options.hostSeconds);
  if (!Number.isFinite(hostSeconds) || hostSeconds <= 0) {
    process.stderr.write('stepfleet: --host-seconds takes a positive number\n');
    return EXIT.invalidInput;
  }
  const resolved = resolveTargets(loaded.document, loaded.group, inventory.hosts, options.target);
  if (hasErrors(resolved.diagnostics)) {
    process.stderr.write(`${formatDiagnostics(resolved.diagnostics, paint)}\n`);
    return EXIT.invalidInput;
  }
  const compiled = compileTaskGroup(loaded.group);
  const hostsOf = new Map(resolved.targets.map((t) => [t.task, t.inRunner ? 1 : t.hosts.length]));
  const estimate = estimateRun(loaded.group, compiled.definition, (task) => hostsOf.get(task) ?? 0, {
    hostSeconds,
  });
  const warnings = limitWarnings(loaded.group, estimate);

  if (options.json) {
    const out = {
      taskGroup: loaded.group.name,
      tasks: estimate.tasks.map((t) => ({
        task: t.task,
        hosts: resolved.targets.find((r) => r.task === t.task)?.hosts.map((h) => h.name) ?? [],
        shardSize: t.layout.shardSize,
        shardConcurrency: t.layout.shardConcurrency,
        waves: t.layout.waves.map((w) => ({ hosts: w.hostCount, shards: w.shards.length })),
        toleratedFailures: t.layout.toleratedFailures,
        transitions: t.transitions,
        historyEvents: t.historyEvents,
      })),
      transitions: estimate.transitions,
      historyEvents: estimate.historyEvents,
      largestPayloadBytes: estimate.largestPayloadBytes,
      definitionBytes: estimate.definitionBytes,
      cost: estimate.cost,
      prices: PRICES,
      assumptions: estimate.assumptions,
      inexactlyScheduled: compiled.inexactlyScheduled,
      warnings: warnings.map((w) => w.message),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return EXIT.ok;
  }
  const style = colorEnabled(process.stdout) ? {} : { head: [], border: [] };
  const table = new Table({
    head: ['task', 'hosts', 'shards × size', 'at once', 'waves', 'tolerated', 'transitions', 'history'],
    style,
  });
  for (const t of estimate.tasks) {
    const targets = resolved.targets.find((r) => r.task === t.task);
    const shards = t.layout.waves.reduce((s, w) => s + w.shards.length, 0);
    table.push([
      t.task,
      targets ? describeTargets(targets) : '',
      `${shards} × ${t.layout.shardSize}`,
      t.layout.shardConcurrency *
        Math.min(
          shards,
          taskConcurrency(loaded.group.tasks.find((x) => x.name === t.task)?.strategy).mapConcurrency,
        ),
      t.layout.waves.length,
      t.layout.toleratedFailures,
      t.transitions,
      t.historyEvents,
    ]);
  }
  const out = painter(process.stdout);
  const lines = [
    table.toString(),
    `per run: ${estimate.transitions} state transitions, ${estimate.historyEvents} history events (limit 25000), largest state ${estimate.largestPayloadBytes} bytes, definition ${estimate.definitionBytes} bytes`,
    `estimated cost per run: $${estimate.cost.total.toFixed(6)} (Step Functions $${estimate.cost.stepFunctions.toFixed(6)}, Lambda $${estimate.cost.lambda.toFixed(6)}, DynamoDB $${estimate.cost.dynamodb.toFixed(6)}), assuming ${hostSeconds}s per host`,
    `prices: ${PRICES.region} list prices of ${PRICES.date}: $${(PRICES.stepFunctionsPerTransition * 1000).toFixed(3)} per 1,000 transitions, $${PRICES.lambdaArmPerGbSecond} per Lambda GB-second (arm64), $${(PRICES.lambdaPerRequest * 1e6).toFixed(2)} per million requests, $${(PRICES.dynamoPerWriteUnit * 1e6).toFixed(3)} per million DynamoDB writes`,
  ];
  if (compiled.inexactlyScheduled.length > 0) {
    lines.push(
      `note: the DAG is not series-parallel; ${compiled.inexactlyScheduled.join(', ')} may also wait for tasks they do not depend on`,
    );
  }
  for (const w of warnings) lines.push(out('yellow', `warning: ${w.message}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
