import ssh2, { type Client, type ConnectConfig } from 'ssh2';
import { loadPrivateKey } from '../../shared/exec/ssh/loadPrivateKey.js';
import { type FleetDescriptor, fleetHost } from './fleet.js';

/**
 * Connects a plain ssh2 client (none of the executor's settings) to fleet host `index` as root,
 * runs `true`, and closes. `prepare` may add connection settings; `afterConnect` runs right after
 * `connect()` (where ssh2's internals can be adjusted) and its result is returned.
 */
export async function connectAndRunTrue<T>(
  fleet: FleetDescriptor,
  index: number,
  options: {
    prepare?: (privateKey: Buffer) => Partial<ConnectConfig>;
    afterConnect?: (client: Client, privateKey: Buffer) => T;
  } = {},
): Promise<T | undefined> {
  const host = fleetHost(fleet, index);
  const client: Client = new ssh2.Client();
  let outcome: T | undefined;
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.once('ready', () => {
      client.exec('true', (error, channel) => {
        if (error) return reject(error);
        channel.resume();
        channel.once('close', () => resolve());
      });
    });
    loadPrivateKey({ file: fleet.clientIdentityFile }).then((privateKey) => {
      client.connect({
        host: host.address,
        port: host.port,
        username: 'root',
        privateKey,
        hostVerifier: () => true,
        ...options.prepare?.(privateKey),
      });
      outcome = options.afterConnect?.(client, privateKey);
    }, reject);
  });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.end();
  await closed;
  return outcome;
}
