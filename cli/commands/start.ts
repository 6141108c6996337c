import type { Command } from 'commander';
import { EXIT } from '../exitCodes.js';
import { apiUrlFrom, RemoteApi } from './remoteApi.js';
import { collect, keyValues, reportRemoteError } from './remoteOutput.js';

interface StartOptions {
  api?: string;
  region?: string;
  input: string[];
  target: string[];
  idempotencyKey?: string;
  json?: boolean;
}

/** `stepfleet start TASKGROUP --api URL [--input k=v]… [--target SEL]… [--idempotency-key K]` */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'start a run of a deployed TaskGroup through the stepfleet API (SigV4, default AWS credentials)',
    )
    .argument('<taskGroup>', 'name of a deployed TaskGroup')
    .option('--api <url>', 'the stack output ApiUrl (default: $STEPFLEET_API_URL)')
    .option('--region <region>', 'region to sign for (default: from the URL)')
    .option('--input <name=value>', 'a run input (repeatable)', collect, [])
    .option('--target <selector>', "replace every host task's targets (repeatable)", collect, [])
    .option('--idempotency-key <key>', 'repeat-safe key: the same key and request start one run')
    .option('--json', 'print the API response as JSON')
    .addHelpText('after', '\nExit status: 0 started, 2 refused (400/404/409), 1 API or network failure.')
    .action(async (taskGroup: string, options: StartOptions) => {
      process.exitCode = await start(taskGroup, options);
    });
}

async function start(taskGroup: string, options: StartOptions): Promise<number> {
  try {
    const api = new RemoteApi({
      url: apiUrlFrom(options.api),
      ...(options.region ? { region: options.region } : {}),
    });
    const body = {
      taskGroup,
      ...(options.input.length > 0 ? { inputs: keyValues(options.input) } : {}),
      ...(options.target.length > 0 ? { targets: options.target } : {}),
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    };
    const run = await api.request<{ runId: string; statusUrl: string; created?: boolean }>(
      'POST',
      'runs',
      body,
    );
    if (options.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    else {
      process.stdout.write(`${run.created === false ? 'already started' : 'started'} run ${run.runId}\n`);
      process.stdout.write(`status: stepfleet remote show ${run.runId}   (${run.statusUrl})\n`);
    }
    return EXIT.ok;
  } catch (error) {
    return reportRemoteError(error);
  }
}
