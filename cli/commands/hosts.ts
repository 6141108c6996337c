import Table from 'cli-table3';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import type { ExecutionResult } from '../../shared/exec/HostExecutor.js';
import type { Host } from '../../shared/inventory/Host.js';
import { loadInventory } from '../../shared/inventory/loadInventory.js';
import { EXIT } from '../exitCodes.js';
import { formatDiagnostics } from '../formatDiagnostics.js';
import { colorEnabled, painter } from '../style.js';

/** One host's check: can it be reached, does it accept our key, is its host key the expected one. */
export interface HostCheck {
  host: string;
  ok: boolean;
  status: string;
  detail: string;
  ms: number;
}

const CHECK_TIMEOUT_MS = 15_000;
const CHECK_PARALLELISM = 64;

/** `stepfleet hosts -i INVENTORY [--check] [--json]` */
export function registerHosts(program: Command): void {
  program
    .command('hosts')
    .description(
      "list the inventory's hosts with tags and transport; with --check, test reachability, authentication and host keys",
    )
    .requiredOption('-i, --inventory <file>', 'inventory file')
    .option('--check', 'connect to every SSH host in parallel and run `true`')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit status: 0, or 1 when --check finds a host that fails.')
    .action(async (options: { inventory: string; check?: boolean; json?: boolean }) => {
      process.exitCode = await hosts(options);
    });
}

async function hosts(options: { inventory: string; check?: boolean; json?: boolean }): Promise<number> {
  const inventory = await loadInventory(options.inventory);
  if (!inventory.ok) {
    process.stderr.write(`${formatDiagnostics(inventory.diagnostics, painter(process.stderr))}\n`);
    return EXIT.invalidInput;
  }
  const checks = options.check ? await checkHosts(inventory.hosts) : undefined;
  if (options.json) {
    const rows = inventory.hosts.map((h) => ({ ...h, ...(checks ? { check: checks.get(h.name) } : {}) }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const paint = painter(process.stdout);
    const head = ['host', 'transport', 'address', 'tags', ...(checks ? ['check', 'detail'] : [])];
    const table = new Table({
      head,
      style: colorEnabled(process.stdout) ? {} : { head: [], border: [] },
      wordWrap: true,
    });
    for (const host of inventory.hosts) {
      const check = checks?.get(host.name);
      const address =
        host.transport === 'ssm'
          ? (host.instanceId ?? '')
          : `${host.user ?? ''}@${host.address ?? ''}:${host.port ?? 22}`;
      table.push([
        host.name,
        host.transport,
        address,
        host.tags.join(', '),
        ...(check ? [paint(check.ok ? 'green' : 'red', check.status), check.detail] : []),
      ]);
    }
    process.stdout.write(`${table.toString()}\n`);
  }
  const failed = checks ? [...checks.values()].filter((c) => !c.ok).length : 0;
  if (checks && !options.json) process.stdout.write(`${checks.size - failed} of ${checks.size} hosts ok\n`);
  return failed > 0 ? EXIT.runFailed : EXIT.ok;
}

/** Checks every SSH host in parallel with one `true`; SSM hosts are reported as not checkable here. */
export async function checkHosts(hosts: readonly Host[]): Promise<Map<string, HostCheck>> {
  // ssh2 loads here, not at start-up: only `hosts --check` and runs need it.
  const { SshExecutor } = await import('../../shared/exec/ssh/SshExecutor.js');
  const executor = new SshExecutor();
  const limit = pLimit(CHECK_PARALLELISM);
  try {
    const results = await Promise.all(
      hosts.map((host) =>
        limit(async (): Promise<HostCheck> => {
          if (host.transport !== 'ssh') {
            return {
              host: host.name,
              ok: true,
              status: 'not checked',
              detail: 'SSM hosts are checked by the deployed runner',
              ms: 0,
            };
          }
          const result = await executor.run({
            host,
            command: 'true',
            env: {},
            timeoutMs: CHECK_TIMEOUT_MS,
            confidential: [],
            collectOutputs: false,
          });
          return toCheck(host, result);
        }),
      ),
    );
    return new Map(results.map((r) => [r.host, r]));
  } finally {
    await executor.close();
  }
}

function toCheck(host: Host, result: ExecutionResult): HostCheck {
  const ok = result.status === 'success';
  const error = result.error ?? '';
  const status = ok
    ? 'ok'
    : /host key|fingerprint/i.test(error)
      ? 'host key'
      : /auth|permission|identity/i.test(error)
        ? 'auth'
        : result.status === 'unreachable' || result.status === 'timed_out'
          ? 'unreachable'
          : 'failed';
  return {
    host: host.name,
    ok,
    status,
    detail: ok ? `answered in ${result.durationMs} ms` : error,
    ms: result.durationMs,
  };
}
