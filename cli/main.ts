import { Command, CommanderError } from 'commander';
import { StepfleetError } from '../shared/errors.js';
import { registerCompile } from './commands/compile.js';
import { registerGraph } from './commands/graph.js';
import { registerHosts } from './commands/hosts.js';
import { registerPlan } from './commands/plan.js';
import { registerRerun } from './commands/rerun.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerRemoteRuns } from './commands/runs-remote.js';
import { registerStart } from './commands/start.js';
import { registerValidate } from './commands/validate.js';
import { EXIT } from './exitCodes.js';

/** Builds the `stepfleet` command tree; each subcommand lives in `cli/commands/`. */
export function buildProgram(): Command {
  const program = new Command('stepfleet')
    .description('Run TaskGroups across fleets: locally, or compiled to AWS Step Functions')
    .version('0.1.0')
    .option('--debug', 'print stack traces of internal errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerValidate(program);
  registerGraph(program);
  registerCompile(program);
  registerPlan(program);
  registerHosts(program);
  registerRun(program);
  registerRuns(program);
  registerRerun(program);
  registerStart(program);
  registerRemoteRuns(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs the CLI. Usage errors exit 2; an unexpected internal error prints one line (the stack only
 * with --debug) and exits 70, so a bug never looks like a user's mistake or a failed run.
 */
export async function main(argv: string[]): Promise<void> {
  ignoreClosedReaders();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const helpShown =
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help';
      process.exitCode = helpShown ? EXIT.ok : EXIT.invalidInput;
      return;
    }
    if (error instanceof StepfleetError) {
      process.stderr.write(`stepfleet: ${error.message}\n`);
      process.exitCode = EXIT.runFailed;
      return;
    }
    const debug = argv.includes('--debug');
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `stepfleet: internal error: ${message}${debug ? '' : ' (run with --debug for details)'}\n`,
    );
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = EXIT.internalError;
  }
}

/**
 * A reader that goes away (`stepfleet runs list | head -1`) is not an error: what nobody reads is
 * dropped, quietly. The process carries on, so a run whose output is no longer read still stops
 * its hosts and stores every result, and exits with the run's own status.
 */
function ignoreClosedReaders(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}
