import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Fleet, startFleet } from '../../support/fleet.js';
import { runCli } from '../../support/runCli.js';

let fleet: Fleet;
let dir: string;
beforeAll(async () => {
  fleet = await startFleet({ count: 3 });
  dir = mkdtempSync(join(tmpdir(), 'stepfleet-hosts-'));
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('stepfleet hosts', () => {
  it('lists hosts and, with --check, tells reachable, wrong host key and unreachable hosts apart', async () => {
    // Prepare: host b is pinned to host a's key; host c points at a port nothing listens on.
    const [a, b] = fleet.hosts;
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      stringify({
        defaults: {
          user: 'root',
          identity_file: fleet.clientIdentityFile,
          known_hosts: fleet.knownHostsFile,
          connect_timeout: '3s',
        },
        hosts: [
          { name: 'good', address: a?.address, port: a?.port, tags: ['web'] },
          { name: 'wrong-key', address: b?.address, port: b?.port, host_key: a?.hostPublicKey },
          { name: 'closed', address: '127.0.0.1', port: 9 },
          { name: 'cloud', transport: 'ssm', instance_id: 'i-0123456789abcdef0' },
        ],
      }),
    );
    // Act
    const listed = await runCli(['hosts', '-i', inventory]);
    const checked = await runCli(['hosts', '-i', inventory, '--check', '--json']);
    // Assess
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/good\s+│ ssh\s+│ root@127\.0\.\d+\.\d+:22\s+│ web/);
    expect(checked.code).toBe(1);
    const rows = JSON.parse(checked.stdout) as {
      name: string;
      check: { ok: boolean; status: string; detail: string };
    }[];
    const check = Object.fromEntries(rows.map((r) => [r.name, r.check]));
    expect(check.good).toMatchObject({ ok: true, status: 'ok' });
    expect(check['wrong-key']).toMatchObject({ ok: false, status: 'host key' });
    expect(check['wrong-key']?.detail).toContain(b?.fingerprint as string);
    expect(check.closed).toMatchObject({ ok: false, status: 'unreachable' });
    expect(check.cloud).toMatchObject({ ok: true, status: 'not checked' });
  });
});
