import { createWriteStream, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { compileTaskGroup } from '../../shared/compile/compileTaskGroup.js';
import { hasErrors } from '../../shared/diagnostics/Diagnostic.js';
import type { CatalogEntry, RunEvent, RunnerDeps } from '../../shared/engine/RunnerDeps.js';
import { checkRunRequest, startRun } from '../../shared/engine/startRun.js';
import { InvalidRunRequestError, StepfleetError } from '../../shared/errors.js';
import type { SshThreadExecutor } from '../../shared/exec/ssh/SshThreadExecutor.js';
import type { Host } from '../../shared/inventory/Host.js';
import { loadInventory } from '../../shared/inventory/loadInventory.js';
import { watchLocalCancel } from '../../shared/local/cancelRequests.js';
import { connectAhead, firstWaveHosts } from '../../shared/local/firstWaveHosts.js';
import { LOCAL_STATE_DIR } from '../../shared/local/localStateDir.js';
import { type StoreWorker, startStoreWorker } from '../../shared/local/storeWorker.js';
import { loadTaskGroup } from '../../shared/taskgroup/loadTaskGroup.js';
import type { TaskTargets } from '../../shared/taskgroup/resolveTargets.js';
import type { TaskGroup } from '../../shared/taskgroup/schema.js';
import { EXIT } from '../exitCodes.js';
import { formatDiagnostics } from '../formatDiagnostics.js';
import { localTaskTypes } from '../localTaskTypes.js';
import { LiveProgress, type Verbosity } from '../progress/LiveProgress.js';
import { painter } from '../style.js';
import { renderSummary } from '../summary.js';

interface RunOptions extends LocalRunOutput {
  inventory?: string;
  target: string[];
  input: string[];
  stateDir: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `stepfleet run FILE [-i INVENTORY] [--target SEL]… [--input k=v]… [--json]` */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a TaskGroup on this machine with the compiled state machine and a local run store')
    .argument('<file>', 'TaskGroup file')
    .option('-i, --inventory <file>', 'inventory file (without one, only `local` targets resolve)')
    .option(
      '--target <selector>',
      'run host tasks on these targets instead of their own (repeatable)',
      collect,
      [],
    )
    .option('--input <name=value>', 'set an input (repeatable)', collect, [])
    .option('--json', 'print the run result as JSON on stdout, and nothing else there')
    .option(
      '--events <file>',
      'stream run, task and host state changes as JSON lines to a file (- for stderr)',
    )
    .option('-v, --verbose', 'print every host as it finishes')
    .option('-q, --quiet', 'print only the summary')
    .option('--state-dir <dir>', 'where local runs are stored', LOCAL_STATE_DIR)
    .addHelpText(
      'after',
      '\nExit status: 0 the run succeeded, 1 it failed, 2 invalid input or usage, 130 cancelled (Ctrl-C).',
    )
    .action(async (file: string, options: RunOptions) => {
      process.exitCode = await run(file, options);
    });
}

/** Parses `name=value` pairs; the value may contain `=`. */
export function parseInputs(
  pairs: readonly string[],
): { ok: true; inputs: Record<string, string> } | { ok: false; bad: string } {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) return { ok: false, bad: pair };
    inputs[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { ok: true, inputs };
}

async function run(file: string, options: RunOptions): Promise<number> {
  // The store's thread loads dynalite while this one reads and checks the request; it opens
  // nothing on disk unless the run goes ahead. With an inventory (SSH hosts, likely), the SSH
  // thread loads ssh2 meanwhile too; it connects nowhere until the request has passed.
  const storeWorker = startStoreWorker();
  const ssh = options.inventory === undefined ? undefined : await startSshThread();
  const code = await checkAndRun(file, options, { storeWorker, ssh });
  if (code === EXIT.invalidInput) await Promise.all([storeWorker.discard(), ssh?.close()]);
  return code;
}

/** The SSH executor of a local run, its thread started now. */
async function startSshThread(): Promise<SshThreadExecutor> {
  const { SshThreadExecutor } = await import('../../shared/exec/ssh/SshThreadExecutor.js');
  const ssh = new SshThreadExecutor();
  ssh.start();
  return ssh;
}

async function checkAndRun(
  file: string,
  options: RunOptions,
  started: { storeWorker: StoreWorker; ssh: SshThreadExecutor | undefined },
): Promise<number> {
  const err = painter(process.stderr);
  const loaded = await loadTaskGroup(file);
  if (!loaded.ok) {
    process.stderr.write(`${formatDiagnostics(loaded.diagnostics, err)}\n`);
    return EXIT.invalidInput;
  }
  let hosts: Host[] = [];
  if (options.inventory !== undefined) {
    const inventory = await loadInventory(options.inventory);
    if (!inventory.ok) {
      process.stderr.write(`${formatDiagnostics(inventory.diagnostics, err)}\n`);
      return EXIT.invalidInput;
    }
    hosts = inventory.hosts;
  }
  const inputs = parseInputs(options.input);
  if (!inputs.ok) {
    process.stderr.write(`stepfleet: --input takes name=value, got ${JSON.stringify(inputs.bad)}\n`);
    return EXIT.invalidInput;
  }
  const group = loaded.group;
  const source = resolve(file);
  const entry = { group, source, baseDir: dirname(source) };
  const request = { taskGroup: group.name, inputs: inputs.inputs, targets: options.target, source };
  // The same checks `startRun` makes: a request it will refuse connects to no host.
  const checked = await checkRunRequest(entry, request, async () => hosts);
  const accepted = checked.inputs.ok && !hasErrors(checked.details);
  return executeLocalRun({
    group,
    entry,
    hosts,
    output: options,
    stateDir: options.stateDir,
    connectEarly: accepted ? firstWaveHosts(group, checked.targets) : [],
    tasksPerHost: tasksPerHost(checked.targets),
    storeWorker: started.storeWorker,
    ...(started.ssh ? { ssh: started.ssh } : {}),
    start: (deps) => startRun(deps, request),
  });
}

/** How a local run reports: the flags `run` and `rerun` share. */
export interface LocalRunOutput {
  json?: boolean;
  events?: string;
  verbose?: boolean;
  quiet?: boolean;
}

/**
 * Runs a TaskGroup on this machine: opens the local store, starts the run with `start`, executes
 * the compiled state machine with live progress, prints the summary (or the JSON result), and maps
 * the outcome to an exit status. Ctrl-C asks the run to cancel; a second Ctrl-C quits at once.
 */
export async function executeLocalRun(options: {
  group: TaskGroup;
  entry: CatalogEntry;
  hosts: Host[];
  output: LocalRunOutput;
  stateDir: string;
  /** SSH hosts to connect to while the run is set up (see {@link firstWaveHosts}). */
  connectEarly?: Host[];
  /** The store's thread, when it was started ahead. */
  storeWorker?: StoreWorker;
  /** The SSH executor, when its thread was started ahead. */
  ssh?: SshThreadExecutor;
  /** How many tasks target each host: its connection closes after the last (see localRunner). */
  tasksPerHost?: ReadonlyMap<string, number>;
  start: (deps: RunnerDeps) => Promise<{ runId: string }>;
}): Promise<number> {
  const { group, output } = options;
  const err = painter(process.stderr);
  const compiled = compileTaskGroup(group);
  const verbosity: Verbosity = output.quiet ? 'quiet' : output.verbose ? 'verbose' : 'normal';
  const progress = new LiveProgress({
    taskNames: group.tasks.map((t) => t.name),
    stream: output.json ? process.stderr : process.stdout,
    verbosity: output.json && !output.verbose ? 'quiet' : verbosity,
  });
  const events = openEventStream(output.events);
  const emit = (event: RunEvent) => {
    progress.update(event);
    events?.write(`${JSON.stringify(event)}\n`);
  };

  // Handshakes with the first hosts (the SSH thread's work, and the hosts') overlap the set-up.
  // Early connections still queued when the run ends (or fails to start) must not open later.
  const connecting = new AbortController();
  const ssh = await connectEarly(options.connectEarly ?? [], connecting.signal, options.ssh);
  // The store, the engine and SSH load here, not at start-up: other commands do without them. The
  // store opens first: its thread loads dynalite and opens the database while the engine loads here.
  const { openLocalState } = await import('../../shared/local/openLocalState.js');
  const opening = openLocalState(
    options.stateDir,
    options.storeWorker ? { worker: options.storeWorker } : {},
  );
  const dropEarlyConnections = async () => {
    connecting.abort();
    await ssh?.close();
  };
  const engine = Promise.all([
    import('../../shared/engine/runStateMachine.js'),
    import('../../shared/local/localRunnerDeps.js'),
  ]);
  // Awaited below; a store that fails to open must not leave its rejection unobserved.
  engine.catch(() => undefined);
  const state = await opening.catch(async (error: unknown) => {
    await dropEarlyConnections();
    throw error;
  });
  const [{ runStateMachine }, { localRunner }] = await engine.catch(async (error: unknown) => {
    await Promise.all([state.close(), dropEarlyConnections()]);
    throw error;
  });
  const cancel = new AbortController();
  const runner = localRunner({
    store: state.store,
    entry: options.entry,
    hosts: options.hosts,
    taskTypes: localTaskTypes(),
    emit,
    signal: cancel.signal,
    ...(ssh ? { ssh } : {}),
    ...(options.tasksPerHost ? { tasksPerHost: options.tasksPerHost } : {}),
  });
  let runId: string | undefined;
  let sshClosing: Promise<void> | undefined;
  let stopWatching = () => {};
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write(
      '\nstepfleet: cancelling: no new host starts, running commands are stopped (Ctrl-C again to quit at once)\n',
    );
    cancel.abort();
    if (runId) void state.store.requestCancel(runId).catch(() => undefined);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    try {
      ({ runId } = await options.start(runner.deps));
    } catch (error) {
      if (error instanceof InvalidRunRequestError) {
        process.stderr.write(`${formatDiagnostics(error.details, err)}\nstepfleet: ${error.message}\n`);
        return EXIT.invalidInput;
      }
      if (error instanceof StepfleetError) {
        process.stderr.write(`stepfleet: ${error.message}\n`);
        return EXIT.invalidInput;
      }
      throw error;
    }
    if (cancel.signal.aborted) await state.store.requestCancel(runId);
    const startedId = runId;
    stopWatching = watchLocalCancel(options.stateDir, startedId, () => {
      process.stderr.write('\nstepfleet: cancel requested from another terminal: stopping the run\n');
      cancel.abort();
      void state.store.requestCancel(startedId).catch(() => undefined);
    });
    const { status } = await runStateMachine(compiled, runner.deps, runId);
    progress.stop();
    const result = await state.store.getRunResult(runId);
    // Only now do the connections close: as each disconnect arrives, its host tears the session
    // down, and on a machine that is also the hosts that would slow the read above.
    connecting.abort();
    sshClosing = runner.close();
    if (!result) throw new Error(`run ${runId} vanished from the local store`);
    if (output.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const record = await state.store.getRun(runId);
      if (record?.error)
        process.stdout.write(`${painter(process.stdout)('red', `run stopped early: ${record.error}`)}\n`);
      process.stdout.write(renderSummary(result, process.stdout, state.dir));
    }
    return status === 'succeeded' ? EXIT.ok : status === 'cancelled' ? EXIT.interrupted : EXIT.runFailed;
  } finally {
    connecting.abort();
    stopWatching();
    progress.stop();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await Promise.all([sshClosing ?? runner.close(), state.close()]);
    await closeStream(events);
  }
}

/** How many of the run's host tasks target each host, by name. */
function tasksPerHost(targets: readonly TaskTargets[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { hosts, inRunner } of targets) {
    if (inRunner) continue;
    for (const host of hosts) counts.set(host.name, (counts.get(host.name) ?? 0) + 1);
  }
  return counts;
}

async function connectEarly(
  hosts: readonly Host[],
  signal: AbortSignal,
  started?: SshThreadExecutor,
): Promise<SshThreadExecutor | undefined> {
  if (hosts.length === 0) return started;
  const ssh = started ?? (await startSshThread());
  void connectAhead(ssh, hosts, signal);
  return ssh;
}

function openEventStream(target: string | undefined): NodeJS.WritableStream | undefined {
  if (target === undefined) return undefined;
  if (target === '-') return process.stderr;
  return createWriteStream(target, { flags: 'a' });
}

async function closeStream(stream: NodeJS.WritableStream | undefined): Promise<void> {
  if (!stream || stream === process.stderr) return;
  await new Promise<void>((resolve) => (stream as WriteStream).end(resolve));
}
