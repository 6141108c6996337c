import { createPrivateKey, type KeyObject } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { userInfo } from 'node:os';
// ssh2 is CommonJS; Node's ESM loader sees only its default export.
import ssh2, { type Client, type ConnectConfig, type ParsedKey, type PublicKeyAuthMethod } from 'ssh2';
import type { Host } from '../../inventory/Host.js';
import { type HostKeyCheck, HostKeyVerifier } from './HostKeyVerifier.js';
import { ignoreHostKeyNotices } from './ignoreHostKeyNotices.js';
import { loadPrivateKey } from './loadPrivateKey.js';
import { SshConnectError } from './SshConnectError.js';
import { signKeyAtOnce } from './signKeyAtOnce.js';

/** Options of {@link SshConnectionPool}. */
export interface SshConnectionOptions {
  /**
   * Returns the private key text for a host's `identity_secret` (the cloud reads Secrets Manager).
   * Without it, hosts that name a secret instead of an `identity_file` cannot connect.
   */
  resolveIdentitySecret?: (secretId: string) => Promise<string | Buffer>;
  /** Interval of SSH keepalives on idle and busy connections; default 15 s (3 missed = dead). */
  keepaliveIntervalMs?: number;
}

/** Default bound on TCP connect + SSH handshake + authentication. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * One SSH connection per host, opened on first use and reused by later executions until it breaks
 * or the pool is closed. Concurrent first uses of a host share one connection attempt. Keys and
 * known_hosts files are read once per pool.
 */
export class SshConnectionPool {
  readonly #options: SshConnectionOptions;
  readonly #connections = new Map<string, Promise<Client>>();
  readonly #keys = new Map<string, Promise<ClientKey>>();
  readonly #verifier = new HostKeyVerifier();
  readonly #closed = new WeakSet<Client>();
  readonly #sockets = new WeakMap<Client, Socket>();

  constructor(options: SshConnectionOptions = {}) {
    this.#options = options;
  }

  /** The host's connection, opened if needed; rejects with an {@link SshConnectError}. */
  acquire(host: Host): Promise<Client> {
    const key = poolKey(host);
    let connection = this.#connections.get(key);
    if (connection === undefined) {
      connection = this.#connect(host);
      this.#connections.set(key, connection);
      // A failed attempt is forgotten, so the next execution tries again.
      connection.then(
        (client) =>
          client.once('close', () => {
            this.#closed.add(client);
            this.#forget(key, connection);
          }),
        () => this.#forget(key, connection),
      );
    }
    return connection;
  }

  /** True once `client`'s connection has closed (the host went away, or keepalives failed). */
  isClosed(client: Client): boolean {
    return this.#closed.has(client);
  }

  /**
   * Ends the host's connection once it is open (executions still using it are cut off, so call it
   * when the host has nothing more to run); the next {@link acquire} opens a new one.
   */
  release(host: Host): void {
    const key = poolKey(host);
    const connection = this.#connections.get(key);
    if (connection === undefined) return;
    this.#connections.delete(key);
    void this.#end(connection);
  }

  /**
   * Ends every connection: each sends its disconnect, and close() resolves once those have been
   * handed to the operating system, which delivers them (usually at once, as they are written). It
   * does not wait for the servers to tear their sessions down (as OpenSSH's client does not): that
   * is the hosts' work, not the run's; a socket a host has not closed within 2 s is destroyed, and
   * none keeps the process alive.
   */
  async close(): Promise<void> {
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(connections.map((connection) => this.#end(connection)));
  }

  async #end(connection: Promise<Client>): Promise<void> {
    const client = await connection.catch(() => undefined);
    const socket = client === undefined ? undefined : this.#sockets.get(client);
    if (client === undefined || socket === undefined) return;
    const sent = new Promise<void>((resolve) => {
      socket.once('finish', resolve).once('close', resolve);
    });
    client.end();
    // The host closes its side when it has torn the session down; until then the socket must
    // neither keep this process alive nor stay open for long (ssh2's keepalives stop at end()).
    // Destroying it also ends the wait below for a peer that stopped reading.
    socket.unref();
    setTimeout(() => socket.destroy(), 2_000).unref();
    // Written straight through to the operating system (nothing left queued here): done.
    if (socket.writableLength === 0 || socket.destroyed) return;
    await sent;
  }

  #forget(key: string, connection: Promise<Client> | undefined): void {
    if (this.#connections.get(key) === connection) this.#connections.delete(key);
  }

  async #connect(host: Host): Promise<Client> {
    const address = host.address ?? host.name;
    const port = host.port ?? 22;
    const username = host.user ?? userInfo().username;
    const check = await this.#verifier.prepare(host);
    const key = await this.#privateKey(host);
    const timeoutMs = host.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

    const client = new ssh2.Client();
    // The socket is ours, so that Nagle's algorithm is off from the first packet (a handshake is
    // small request/reply exchanges, which it would hold back for a delayed ACK), and so that
    // close() can tell when the disconnect has gone out.
    const socket = connectTcp({ host: address, port, noDelay: true });
    this.#sockets.set(client, socket);
    return new Promise<Client>((resolve, reject) => {
      let verifyError: unknown;
      let settled = false;
      const fail = (error: SshConnectError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.destroy();
        socket.destroy();
        reject(error);
      };
      // ssh2's readyTimeout does not cover a TCP connect that hangs; this bounds all of it.
      const timer = setTimeout(
        () =>
          fail(
            new SshConnectError(
              'CONNECT_TIMEOUT',
              `cannot connect to ${address}:${port}: no SSH session within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        fail(classify(error, verifyError, { address, port, username, check }));
      });
      client.once('close', () =>
        fail(
          new SshConnectError('CONNECT_FAILED', `cannot connect to ${address}:${port}: connection closed`),
        ),
      );
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(client);
      });
      const config: ConnectConfig = {
        sock: socket,
        host: address,
        port,
        username,
        // The key is the only method: no `none` request first to learn the server's methods. It
        // is parsed once per pool (ssh2 takes a parsed key here as it is).
        authHandler: [{ type: 'publickey', username, key: key.parsed }] as PublicKeyAuthMethod[],
        readyTimeout: timeoutMs,
        keepaliveInterval: this.#options.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          check.verify(key).then(
            () => verify(true),
            (error: unknown) => {
              verifyError = error;
              verify(false);
            },
          );
        },
      };
      if (check.algorithms !== undefined) {
        config.algorithms = {
          serverHostKey: check.algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'],
        };
      }
      client.connect(config);
      ignoreHostKeyNotices(client);
      signKeyAtOnce(client, key.signing);
    });
  }

  #privateKey(host: Host): Promise<ClientKey> {
    const { identityFile, identitySecret } = host;
    const cacheKey = identityFile !== undefined ? `file:${identityFile}` : `secret:${identitySecret ?? ''}`;
    let key = this.#keys.get(cacheKey);
    if (key === undefined) {
      key = this.#loadKey(host).then(clientKey);
      this.#keys.set(cacheKey, key);
      key.catch(() => this.#keys.delete(cacheKey));
    }
    return key;
  }

  async #loadKey(host: Host): Promise<Buffer> {
    if (host.identityFile !== undefined) return loadPrivateKey({ file: host.identityFile });
    const secretId = host.identitySecret;
    if (secretId === undefined) {
      throw new SshConnectError(
        'IDENTITY_UNAVAILABLE',
        'no identity_file or identity_secret to authenticate with',
      );
    }
    const resolve = this.#options.resolveIdentitySecret;
    if (resolve === undefined) {
      throw new SshConnectError(
        'IDENTITY_UNAVAILABLE',
        `identity_secret ${secretId} needs a secret resolver (available in cloud runs); use identity_file locally`,
      );
    }
    let material: string | Buffer;
    try {
      material = await resolve(secretId);
    } catch (error) {
      throw new SshConnectError(
        'IDENTITY_UNAVAILABLE',
        `cannot read identity_secret ${secretId}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return loadPrivateKey({ material, label: `identity_secret ${secretId}` });
  }
}

/** A private key as each connection uses it: parsed by ssh2, and as a key object to sign with. */
interface ClientKey {
  parsed: ParsedKey;
  signing: KeyObject;
}

function clientKey(material: Buffer): ClientKey {
  // loadPrivateKey has checked that the material parses and holds a private key.
  const parsed = ssh2.utils.parseKey(material);
  const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey;
  try {
    return { parsed: key, signing: createPrivateKey(key.getPrivatePEM()) };
  } catch (error) {
    throw new SshConnectError(
      'IDENTITY_UNAVAILABLE',
      `the private key cannot be used for signing: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Connections are per host. Every setting that shaped the connection is part of the key, so a host
 * whose address, identity or host-key expectations changed never reuses a connection verified
 * under the old ones.
 */
function poolKey(host: Host): string {
  return JSON.stringify([
    host.name,
    host.user,
    host.address,
    host.port,
    host.identityFile,
    host.identitySecret,
    host.hostKey,
    host.knownHosts,
    host.hostKeyPolicy,
  ]);
}

function classify(
  error: Error & { level?: string; code?: string },
  verifyError: unknown,
  ctx: { address: string; port: number; username: string; check: HostKeyCheck },
): SshConnectError {
  if (verifyError instanceof SshConnectError) return verifyError;
  const where = `${ctx.address}:${ctx.port}`;
  if (error.code === 'ECONNREFUSED') {
    return new SshConnectError('CONNECT_REFUSED', `cannot connect to ${where}: connection refused`, {
      cause: error,
    });
  }
  if (error.level === 'client-authentication') {
    return new SshConnectError('AUTH_FAILED', `${where} refused the key for user ${ctx.username}`, {
      cause: error,
    });
  }
  if (error.level === 'client-timeout') {
    return new SshConnectError('CONNECT_TIMEOUT', `cannot connect to ${where}: ${error.message}`, {
      cause: error,
    });
  }
  if (/no matching host key/i.test(error.message) && ctx.check.algorithms !== undefined) {
    return new SshConnectError(
      'HOST_KEY_MISMATCH',
      `${where} offers none of the expected host key types (${ctx.check.algorithms.join(', ')}); nothing was sent to it`,
      { cause: error },
    );
  }
  return new SshConnectError('CONNECT_FAILED', `cannot connect to ${where}: ${error.message}`, {
    cause: error,
  });
}
