import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { type Fleet, fleetHost, startFleet } from '../../support/fleet.js';
import { execRequest, untilNone } from '../../support/fleet-requests.js';

// The processes sshd runs for one logged-in connection (privileged monitor and session).
const SESSION = '^sshd: root';

describe('closing SSH connections', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ count: 1 });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('sends the disconnect without waiting for the host to end its session, which it then does', async () => {
    // Prepare: one connection, whose session processes on the host are then frozen.
    const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    const socketsBefore = sockets();
    const ssh = new SshExecutor();
    const result = await ssh.run(execRequest(fleetHost(fleet, 0), 'hostname'));
    expect(result.status).toBe('success');
    const session = await fleet.processesMatching(0, SESSION);
    expect(session.length).toBeGreaterThan(0);
    for (const pid of session) process.kill(pid, 'SIGSTOP');

    try {
      // Act
      const started = Date.now();
      await ssh.close();
      const elapsedMs = Date.now() - started;

      // Assess: close() did not sit out its 2 s bound waiting for a host that cannot answer, and
      // the socket the host has not closed no longer keeps the process alive…
      expect(elapsedMs).toBeLessThan(1_000);
      expect(sockets()).toBe(socketsBefore);
    } finally {
      for (const pid of session) process.kill(pid, 'SIGCONT');
    }
    // …and the disconnect reached the host, which ended the session once it could run again.
    expect(await untilNone(() => fleet.processesMatching(0, SESSION), 5_000)).toEqual([]);
  });
});
