import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { signKeyAtOnce } from '../../../shared/exec/ssh/signKeyAtOnce.js';
import { type Fleet, fleetHost, fleetHostLog, startFleet } from '../../support/fleet.js';
import { execRequest } from '../../support/fleet-requests.js';
import { connectAndRunTrue } from '../../support/plainSshClient.js';

// sshd logs every authentication request it receives at DEBUG level, with its method.
const AUTH_REQUEST = /userauth-request for user root service ssh-connection method (\S+)/g;

/** The methods of the authentication requests host `index` received, in order. */
async function authRequests(fleet: Fleet, index: number): Promise<string[]> {
  return [...(await fleetHostLog(fleet, index)).matchAll(AUTH_REQUEST)].map((match) => match[1] ?? '');
}

/** Connects a plain ssh2 client (optionally with the key as its only method, signed at once). */
async function connectAndRun(fleet: Fleet, index: number, atOnce: boolean): Promise<boolean> {
  if (!atOnce) return (await connectAndRunTrue(fleet, index)) ?? false;
  const installed = await connectAndRunTrue(fleet, index, {
    prepare: () => ({ authHandler: ['publickey'] }),
    afterConnect: (client, privateKey) => {
      const parsed = ssh2.utils.parseKey(privateKey);
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (key === undefined || key instanceof Error) throw new Error('unusable test key');
      return signKeyAtOnce(client, createPrivateKey(key.getPrivatePEM()));
    },
  });
  return installed ?? false;
}

describe('public key authentication', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ count: 6, logLevel: 'DEBUG' });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('takes a plain ssh2 client three requests: none, a query for the key, then the signed key (the cost being avoided)', async () => {
    // Act
    await connectAndRun(fleet, 0, false);

    // Assess
    expect(await authRequests(fleet, 0)).toEqual(['none', 'publickey', 'publickey']);
    expect(await fleetHostLog(fleet, 0)).toMatch(/publickey test pkalg/);
  });

  it('takes one signed request once the key is the only method and is signed at once', async () => {
    // Act
    const installed = await connectAndRun(fleet, 1, true);

    // Assess
    expect(installed).toBe(true);
    expect(await authRequests(fleet, 1)).toEqual(['publickey']);
    expect(await fleetHostLog(fleet, 1)).not.toMatch(/publickey test pkalg/);
  });

  it('takes the SSH executor one request on every connection', async () => {
    // Prepare
    const ssh = new SshExecutor();

    try {
      // Act
      const result = await ssh.run(execRequest(fleetHost(fleet, 2), 'hostname'));

      // Assess
      expect(result.stdout.text).toBe('fleet-3\n');
      expect(await authRequests(fleet, 2)).toEqual(['publickey']);
    } finally {
      await ssh.close();
    }
  });

  // OpenSSH 8.8 and later refuse SHA-1 (`ssh-rsa`) signatures: an accepted RSA key means SHA-2.
  it.each([
    { label: 'RSA', keygen: ['-t', 'rsa', '-b', '2048'], index: 3 },
    { label: 'ECDSA', keygen: ['-t', 'ecdsa', '-b', '384'], index: 4 },
  ])(
    'signs an $label key with the algorithm the server or the key type asks for, in one request',
    async ({ label, keygen, index }) => {
      // Prepare: a key of that type, authorised next to the fleet's own key.
      const keyFile = join(fleet.dir, `client_${label.toLowerCase()}`);
      await promisify(execFile)('ssh-keygen', ['-q', ...keygen, '-N', '', '-f', keyFile]);
      await appendFile(join(fleet.dir, 'authorized_keys'), await readFile(`${keyFile}.pub`));
      const ssh = new SshExecutor();

      try {
        // Act
        const result = await ssh.run(
          execRequest({ ...fleetHost(fleet, index), identityFile: keyFile }, 'hostname'),
        );

        // Assess
        expect(result.stdout.text).toBe(`fleet-${index + 1}\n`);
        expect(await authRequests(fleet, index)).toEqual(['publickey']);
        expect(await fleetHostLog(fleet, index)).toMatch(
          new RegExp(`Accepted publickey for root .* ${label} SHA256:`),
        );
      } finally {
        await ssh.close();
      }
    },
  );

  it('still reports a key the server refuses as an authentication failure, with nothing run', async () => {
    // Prepare: a user the host has no authorized key for.
    const ssh = new SshExecutor();
    const host = { ...fleetHost(fleet, 5), user: 'nobody' };

    try {
      // Act
      const result = await ssh.run(execRequest(host, 'hostname'));

      // Assess
      expect(result.status).toBe('unreachable');
      expect(result.error).toContain(`${host.address}:22 refused the key for user nobody`);
      expect(result.stdout.text).toBe('');
    } finally {
      await ssh.close();
    }
  });
});
