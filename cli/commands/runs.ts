import Table from 'cli-table3';
import type { Command } from 'commander';
import { StepfleetError } from '../../shared/errors.js';
import { requestLocalCancel } from '../../shared/local/cancelRequests.js';
import { LOCAL_STATE_DIR } from '../../shared/local/localStateDir.js';
import { EXIT } from '../exitCodes.js';
import { statusStyle } from '../progress/LiveProgress.js';
import { colorEnabled, painter } from '../style.js';
import { renderSummary } from '../summary.js';
import { withLocalState } from '../withLocalState.js';
import { cancelRemoteRun, listRemoteRuns, showRemoteRun } from './runs-remote.js';

interface StateOption {
  stateDir: string;
  /** A deployment's API instead of the local store. */
  api?: string;
  remote?: boolean;
  region?: string;
}

/** The remote options when the user asked for a deployment's runs, else undefined. */
function remoteOf(options: StateOption & { json?: boolean }) {
  if (options.api === undefined && !options.remote) return undefined;
  return {
    ...(options.api ? { api: options.api } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.json ? { json: true } : {}),
  };
}

/** Adds the options that send a `runs` subcommand to a deployed stack's API. */
function withRemote(command: Command): Command {
  return command
    .option('--remote', 'runs of the deployment at $STEPFLEET_API_URL (signed with SigV4)')
    .option('--api <url>', 'runs of the deployment with this API URL (signed with SigV4)')
    .option('--region <region>', 'region to sign for (default: from the URL)');
}

/** `stepfleet runs list|show|cancel` over the local run store. */
export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description("list, inspect and cancel runs: local ones, or a deployment's with --remote / --api");
  withRemote(runs.command('list'))
    .description('list local runs, newest first')
    .option('--task-group <name>', 'only runs of this TaskGroup')
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'print JSON')
    .option('--state-dir <dir>', 'where local runs are stored', LOCAL_STATE_DIR)
    .action(async (options: StateOption & { taskGroup?: string; limit: string; json?: boolean }) => {
      const remote = remoteOf(options);
      if (remote) {
        process.exitCode = await listRemoteRuns(remote, options);
        return;
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        process.stderr.write('stepfleet: --limit takes a whole number of 1 or more\n');
        process.exitCode = EXIT.invalidInput;
        return;
      }
      const page = await withLocalState(options.stateDir, (state) =>
        state.store.listRuns({ ...(options.taskGroup ? { taskGroup: options.taskGroup } : {}), limit }),
      );
      if (options.json) {
        process.stdout.write(`${JSON.stringify(page.runs, null, 2)}\n`);
        return;
      }
      const paint = painter(process.stdout);
      const table = new Table({
        head: ['run', 'task group', 'status', 'started', 'finished'],
        style: colorEnabled(process.stdout) ? {} : { head: [], border: [] },
      });
      for (const run of page.runs)
        table.push([
          run.id,
          run.taskGroup,
          paint(statusStyle(run.status), run.status),
          run.startedAt,
          run.finishedAt ?? '',
        ]);
      process.stdout.write(page.runs.length ? `${table.toString()}\n` : 'no runs yet\n');
    });
  withRemote(runs.command('show'))
    .description('show one run: its summary, or its full result with --json')
    .argument('<run>', 'run id')
    .option('--json', 'print the run result (DESIGN §5) as JSON')
    .option('--state-dir <dir>', 'where local runs are stored', LOCAL_STATE_DIR)
    .action(async (runId: string, options: StateOption & { json?: boolean }) => {
      const remote = remoteOf(options);
      if (remote) {
        process.exitCode = await showRemoteRun(remote, runId);
        return;
      }
      const result = await withLocalState(options.stateDir, (state) => state.store.getRunResult(runId));
      if (!result) {
        process.stderr.write(`stepfleet: no run ${runId} in ${options.stateDir}\n`);
        process.exitCode = EXIT.invalidInput;
        return;
      }
      process.stdout.write(
        options.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : renderSummary(result, process.stdout, options.stateDir),
      );
    });
  withRemote(runs.command('cancel'))
    .description('ask a local run to stop (the process running it notices within seconds)')
    .argument('<run>', 'run id')
    .option('--state-dir <dir>', 'where local runs are stored', LOCAL_STATE_DIR)
    .action(async (runId: string, options: StateOption) => {
      const remote = remoteOf(options);
      if (remote) {
        process.exitCode = await cancelRemoteRun(remote, runId);
        return;
      }
      let outcome: 'requested' | 'not-running' | 'not-found';
      try {
        outcome = await withLocalState(options.stateDir, (state) => state.store.requestCancel(runId));
      } catch (error) {
        // The store is held by the process running a run: ask that process instead.
        if (!(error instanceof StepfleetError) || error.code !== 'LOCAL_STATE_UNAVAILABLE') throw error;
        requestLocalCancel(options.stateDir, runId);
        process.stdout.write(
          `cancel requested for run ${runId}: the process running it stops it within a second\n`,
        );
        return;
      }
      const messages = {
        requested: `cancel requested for run ${runId}`,
        'not-running': `run ${runId} has already finished`,
        'not-found': `no run ${runId}`,
      };
      process.stdout.write(`${messages[outcome]}\n`);
      process.exitCode = outcome === 'not-found' ? EXIT.invalidInput : EXIT.ok;
    });
}
