import type { Command } from 'commander';
import type { RunResult } from '../../shared/store/types.js';
import { EXIT } from '../exitCodes.js';
import { renderSummary } from '../summary.js';
import { apiUrlFrom, RemoteApi } from './remoteApi.js';
import { reportRemoteError } from './remoteOutput.js';

interface RemoteOptions {
  api?: string;
  region?: string;
  json?: boolean;
}

interface RunSummary {
  id: string;
  taskGroup: string;
  status: string;
  startedAt: string;
  finishedAt?: string | null;
}

/** `stepfleet remote list|show|cancel`: the same as `stepfleet runs … --remote`. */
export function registerRemoteRuns(program: Command): void {
  const remote = program
    .command('remote')
    .description('runs of a deployment, through its API (SigV4, default AWS credentials)')
    .option('--api <url>', 'the stack output ApiUrl (default: $STEPFLEET_API_URL)')
    .option('--region <region>', 'region to sign for (default: from the URL)')
    .option('--json', 'print the API response as JSON');
  remote
    .command('list')
    .description('recent runs, newest first')
    .option('--task-group <name>', 'only runs of this TaskGroup')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (options: { taskGroup?: string; limit: string }) => {
      process.exitCode = await listRemoteRuns(remote.opts<RemoteOptions>(), options);
    });
  remote
    .command('show')
    .argument('<runId>')
    .description('a run with its tasks and hosts (DESIGN §5 result)')
    .action(async (runId: string) => {
      process.exitCode = await showRemoteRun(remote.opts<RemoteOptions>(), runId);
    });
  remote
    .command('cancel')
    .argument('<runId>')
    .description('ask a running run to stop')
    .action(async (runId: string) => {
      process.exitCode = await cancelRemoteRun(remote.opts<RemoteOptions>(), runId);
    });
}

const client = (o: RemoteOptions) =>
  new RemoteApi({ url: apiUrlFrom(o.api), ...(o.region ? { region: o.region } : {}) });
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** `GET /runs` */
export async function listRemoteRuns(
  o: RemoteOptions,
  q: { taskGroup?: string; limit: string },
): Promise<number> {
  try {
    const query = { limit: q.limit, ...(q.taskGroup ? { taskGroup: q.taskGroup } : {}) };
    const page = await client(o).request<{ runs: RunSummary[] }>('GET', 'runs', undefined, query);
    if (o.json) print(page);
    else
      for (const r of page.runs)
        process.stdout.write(`${r.id}  ${r.taskGroup}  ${r.status}  ${r.startedAt}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportRemoteError(error);
  }
}

/** `GET /runs/{id}`; exit 1 when the run failed, as `stepfleet run` does. */
export async function showRemoteRun(o: RemoteOptions, runId: string): Promise<number> {
  try {
    const run = await client(o).request<RunSummary & { results: Record<string, { status: string }> }>(
      'GET',
      `runs/${encodeURIComponent(runId)}`,
    );
    if (o.json) print(run);
    else process.stdout.write(renderSummary(run as unknown as RunResult, process.stdout, 'the deployment'));
    return run.status === 'failed' || run.status === 'cancelled' ? EXIT.runFailed : EXIT.ok;
  } catch (error) {
    return reportRemoteError(error);
  }
}

/** `POST /runs/{id}/cancel` */
export async function cancelRemoteRun(o: RemoteOptions, runId: string): Promise<number> {
  try {
    const answer = await client(o).request<{ runId: string; status: string }>(
      'POST',
      `runs/${encodeURIComponent(runId)}/cancel`,
    );
    if (o.json) print(answer);
    else process.stdout.write(`run ${answer.runId}: ${answer.status}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportRemoteError(error);
  }
}
