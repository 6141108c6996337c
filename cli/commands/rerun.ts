import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { startRerun } from '../../shared/engine/startRun.js';
import { LOCAL_STATE_DIR } from '../../shared/local/localStateDir.js';
import { loadTaskGroup } from '../../shared/taskgroup/loadTaskGroup.js';
import { EXIT } from '../exitCodes.js';
import { formatDiagnostics } from '../formatDiagnostics.js';
import { painter } from '../style.js';
import { withLocalState } from '../withLocalState.js';
import { executeLocalRun, type LocalRunOutput } from './run.js';

interface RerunOptions extends LocalRunOutput {
  failed?: boolean;
  file?: string;
  stateDir: string;
}

/** `stepfleet rerun RUN --failed` */
export function registerRerun(program: Command): void {
  program
    .command('rerun')
    .description(
      'run again, with the original inputs, the hosts that did not succeed in failed tasks of a local run, and what depends on them',
    )
    .argument('<run>', 'id of the run to repeat')
    .option('--failed', 'repeat only what failed (required: the only mode so far)')
    .option('-f, --file <file>', 'TaskGroup file, when it is no longer where the run found it')
    .option('--json', 'print the run result as JSON on stdout, and nothing else there')
    .option('--events <file>', 'stream state changes as JSON lines to a file (- for stderr)')
    .option('-v, --verbose', 'print every host as it finishes')
    .option('-q, --quiet', 'print only the summary')
    .option('--state-dir <dir>', 'where local runs are stored', LOCAL_STATE_DIR)
    .action(async (runId: string, options: RerunOptions) => {
      process.exitCode = await rerun(runId, options);
    });
}

async function rerun(runId: string, options: RerunOptions): Promise<number> {
  if (!options.failed) {
    process.stderr.write(
      'stepfleet: rerun needs --failed (re-running a whole run is `stepfleet run` again)\n',
    );
    return EXIT.invalidInput;
  }
  const previous = await withLocalState(options.stateDir, (state) => state.store.getRun(runId));
  if (!previous) {
    process.stderr.write(`stepfleet: no run ${runId} in ${options.stateDir}\n`);
    return EXIT.invalidInput;
  }
  const file = options.file ?? previous.source;
  if (!file) {
    process.stderr.write(`stepfleet: run ${runId} does not say which file it ran; pass it with --file\n`);
    return EXIT.invalidInput;
  }
  const loaded = await loadTaskGroup(file);
  if (!loaded.ok) {
    process.stderr.write(`${formatDiagnostics(loaded.diagnostics, painter(process.stderr))}\n`);
    return EXIT.invalidInput;
  }
  if (loaded.group.name !== previous.taskGroup) {
    process.stderr.write(
      `stepfleet: ${file} holds TaskGroup "${loaded.group.name}", but run ${runId} ran "${previous.taskGroup}"\n`,
    );
    return EXIT.invalidInput;
  }
  return executeLocalRun({
    group: loaded.group,
    entry: { group: loaded.group, source: resolve(file), baseDir: dirname(resolve(file)) },
    hosts: [],
    output: options,
    stateDir: options.stateDir,
    start: (deps) => startRerun(deps, runId),
  });
}
