import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ignoreHostKeyNotices } from '../../../shared/exec/ssh/ignoreHostKeyNotices.js';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { type Fleet, fleetHost, fleetHostLog, startFleet } from '../../support/fleet.js';
import { execRequest } from '../../support/fleet-requests.js';
import { connectAndRunTrue } from '../../support/plainSshClient.js';

// sshd logs each global request it receives at DEBUG level, by name.
const PROOF_REQUEST = /rtype hostkeys-prove-00@openssh\.com/g;

/** Connects a plain ssh2 client, optionally with the notice ignored, runs `true`, and closes. */
async function connectAndRun(fleet: Fleet, index: number, ignore: boolean): Promise<boolean> {
  const installed = await connectAndRunTrue(fleet, index, {
    afterConnect: (client) => (ignore ? ignoreHostKeyNotices(client) : false),
  });
  return installed ?? false;
}

describe("the server's host-key notice", () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ count: 3, logLevel: 'DEBUG' });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('makes a plain ssh2 client ask the server to prove its keys (the cost being avoided)', async () => {
    // Act
    await connectAndRun(fleet, 0, false);

    // Assess
    expect((await fleetHostLog(fleet, 0)).match(PROOF_REQUEST)).toHaveLength(1);
  });

  it('is ignored once the handler is installed: the server signs nothing more', async () => {
    // Act
    const installed = await connectAndRun(fleet, 1, true);

    // Assess
    expect(installed).toBe(true);
    // Requests are logged (the exec's is there); the proof request is not.
    expect(await fleetHostLog(fleet, 1)).toContain('request exec');
    expect((await fleetHostLog(fleet, 1)).match(PROOF_REQUEST)).toBeNull();
  });

  it('is ignored by the SSH executor on every connection', async () => {
    // Prepare
    const ssh = new SshExecutor();

    try {
      // Act
      const result = await ssh.run(execRequest(fleetHost(fleet, 2), 'hostname'));

      // Assess
      expect(result.stdout.text).toBe('fleet-3\n');
      expect((await fleetHostLog(fleet, 2)).match(PROOF_REQUEST)).toBeNull();
    } finally {
      await ssh.close();
    }
  });
});
