import { existsSync } from 'node:fs';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { fleetHosts, startFleet } from '../../support/fleet.js';
import { execRequest } from '../../support/fleet-requests.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('test fleet', () => {
  it('starts 200 distinct hosts within seconds, and stop() leaves nothing behind', async () => {
    // Prepare
    const started = Date.now();
    const fleet = await startFleet({ count: 200 });
    const startMs = Date.now() - started;
    const ssh = new SshExecutor();

    try {
      // Act: at most 32 hosts at once, as a task's max_concurrency would; 200 simultaneous
      // handshakes on two cores shared with other test files can outlast a connect timeout.
      const limit = pLimit(32);
      const results = await Promise.all(
        fleetHosts(fleet).map((host) => limit(() => ssh.run(execRequest(host, 'hostname')))),
      );

      // Assess
      expect(startMs).toBeLessThan(20_000);
      expect(results.filter((r) => r.status !== 'success').map((r) => r.error)).toEqual([]);
      expect(results.map((r) => r.stdout.text)).toEqual(fleet.hosts.map((h) => `${h.hostname}\n`));
      expect(new Set(fleet.hosts.map((h) => h.fingerprint)).size).toBe(200);
    } finally {
      await ssh.close();
      await fleet.stop();
    }
    expect(fleet.hosts.filter((h) => isAlive(h.pid))).toEqual([]);
    expect(existsSync(fleet.dir)).toBe(false);
  }, 60_000);
});
