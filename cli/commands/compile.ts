import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compileTaskGroup, renderDefinition } from '../../shared/compile/compileTaskGroup.js';
import { FUNCTION_TIMEOUTS, LAMBDA_PLACEHOLDERS, substitutionKey } from '../../shared/compile/resources.js';
import { loadTaskGroup } from '../../shared/taskgroup/loadTaskGroup.js';
import { EXIT } from '../exitCodes.js';
import { formatDiagnostics } from '../formatDiagnostics.js';
import { painter } from '../style.js';

/** `stepfleet compile FILE [--out DIR]` */
export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description(
      'compile a TaskGroup to an Amazon States Language definition (and a sidecar naming its Lambda placeholders)',
    )
    .argument('<file>', 'TaskGroup file')
    .option(
      '--out <dir>',
      'write <name>.asl.json and <name>.resources.json there instead of printing the definition',
    )
    .action(async (file: string, options: { out?: string }) => {
      process.exitCode = await compile(file, options);
    });
}

async function compile(file: string, options: { out?: string }): Promise<number> {
  const loaded = await loadTaskGroup(file);
  if (!loaded.ok) {
    process.stderr.write(`${formatDiagnostics(loaded.diagnostics, painter(process.stderr))}\n`);
    return EXIT.invalidInput;
  }
  const compiled = compileTaskGroup(loaded.group);
  const definition = renderDefinition(compiled.definition);
  if (options.out === undefined) {
    process.stdout.write(definition);
    return EXIT.ok;
  }
  const sidecar = {
    taskGroup: loaded.group.name,
    placeholders: Object.fromEntries(
      Object.entries(LAMBDA_PLACEHOLDERS).map(([fn, placeholder]) => [
        placeholder,
        {
          function: fn,
          substitutionKey: substitutionKey(fn as keyof typeof LAMBDA_PLACEHOLDERS),
          maxLambdaTimeoutSeconds: FUNCTION_TIMEOUTS[fn as keyof typeof FUNCTION_TIMEOUTS].lambda,
        },
      ]),
    ),
    taskStates: compiled.taskStates,
    inexactlyScheduled: compiled.inexactlyScheduled,
  };
  await mkdir(options.out, { recursive: true });
  const base = join(options.out, loaded.group.name);
  await writeFile(`${base}.asl.json`, definition);
  await writeFile(`${base}.resources.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
  process.stdout.write(`wrote ${base}.asl.json and ${base}.resources.json\n`);
  return EXIT.ok;
}
