import { appendFile, readFile } from 'node:fs/promises';
import type { Host } from '../../inventory/Host.js';
import {
  fingerprint,
  formatKnownHostsLine,
  KnownHostsIndex,
  keyTypeOf,
  knownHostsName,
  type PublicKey,
  parseKnownHosts,
  parsePublicKey,
} from './knownHosts.js';
import { HostKeyMismatchError, SshConnectError } from './SshConnectError.js';

/** The host-key check for one connection attempt. */
export interface HostKeyCheck {
  /**
   * Server host-key algorithms to offer, derived from the expected keys, so that a host with
   * several keys presents the one we can check; undefined to offer the defaults.
   */
  algorithms: string[] | undefined;
  /** Accepts `presented` (a wire-format key blob) or rejects with an {@link SshConnectError}. */
  verify(presented: Buffer): Promise<void>;
}

/**
 * Verifies host keys, failing closed: a host is trusted only when its key equals the inventory's
 * `host_key` pin or a known_hosts entry for its address. An unknown host is accepted (and recorded in
 * its known_hosts file) only under `host_key_policy: accept-new`. known_hosts files are read once
 * per verifier and shared by every host that names them.
 */
export class HostKeyVerifier {
  readonly #files = new Map<string, Promise<KnownHostsIndex>>();

  /** Prepares the check for `host`; rejects when the host has nothing to verify against. */
  async prepare(host: Host): Promise<HostKeyCheck> {
    const address = host.address ?? host.name;
    const port = host.port ?? 22;
    const who = `${host.name} (${address}:${port})`;
    if (host.hostKey !== undefined) return this.#pinned(host.hostKey, host.name, who);

    const file = host.knownHosts;
    if (file === undefined) {
      throw new SshConnectError(
        'HOST_KEY_UNKNOWN',
        `no host_key or known_hosts to verify ${who} against; refusing to connect without host-key verification`,
      );
    }
    const name = knownHostsName(address, port);
    const entries = (await this.#entries(file)).lookup(name);
    const revoked = entries.filter((e) => e.marker === 'revoked');
    const expected = entries.filter((e) => e.marker === undefined);
    const acceptNew = host.hostKeyPolicy === 'accept-new';
    return {
      algorithms: expected.length > 0 ? algorithmsFor(expected) : undefined,
      verify: async (presented) => {
        const presentedPrint = fingerprint(presented);
        if (revoked.some((e) => e.blob.equals(presented))) {
          throw new SshConnectError(
            'HOST_KEY_REVOKED',
            `host key ${presentedPrint} of ${who} is marked @revoked in ${file}`,
          );
        }
        if (expected.some((e) => e.blob.equals(presented))) return;
        if (expected.length > 0) throw mismatch(host.name, who, expected, presented, `known_hosts ${file}`);
        if (!acceptNew) {
          throw new SshConnectError(
            'HOST_KEY_UNKNOWN',
            `host key of ${who} is not in ${file}: it presented ${presentedPrint} (${keyTypeOf(presented)}). ` +
              `Add it (ssh-keyscan -p ${port} ${address} >> ${file}) or set host_key_policy: accept-new`,
          );
        }
        await this.#record(file, name, { type: keyTypeOf(presented), blob: presented });
      },
    };
  }

  #pinned(pin: string, hostName: string, who: string): HostKeyCheck {
    const key = parsePublicKey(pin);
    if (key === undefined) {
      throw new SshConnectError(
        'HOST_KEY_UNKNOWN',
        `host_key of ${who} is not a public key ("ssh-ed25519 AAAA…")`,
      );
    }
    return {
      algorithms: algorithmsFor([key]),
      verify: async (presented) => {
        if (!key.blob.equals(presented)) throw mismatch(hostName, who, [key], presented, 'host_key pin');
      },
    };
  }

  #entries(file: string): Promise<KnownHostsIndex> {
    let entries = this.#files.get(file);
    if (entries === undefined) {
      entries = readFile(file, 'utf8').then(
        (text) => new KnownHostsIndex(parseKnownHosts(text, file)),
        (error: NodeJS.ErrnoException) => {
          // A missing file is an empty one: accept-new creates it.
          if (error.code === 'ENOENT') return new KnownHostsIndex();
          throw new SshConnectError('HOST_KEY_UNKNOWN', `cannot read known_hosts ${file}: ${error.message}`, {
            cause: error,
          });
        },
      );
      this.#files.set(file, entries);
      // A failed read is not cached, so a fixed file is picked up by the next connection.
      entries.catch(() => this.#files.delete(file));
    }
    return entries;
  }

  async #record(file: string, name: string, key: PublicKey): Promise<void> {
    const line = formatKnownHostsLine(name, key);
    // One append per line: O_APPEND keeps concurrent writers' lines whole.
    await appendFile(file, line, { mode: 0o600 });
    (await this.#entries(file)).add(parseKnownHosts(line, file));
  }
}

function mismatch(
  hostName: string,
  who: string,
  expected: readonly PublicKey[],
  presented: Buffer,
  against: string,
): HostKeyMismatchError {
  const expectedPrints = expected.map((k) => fingerprint(k.blob));
  const presentedPrint = fingerprint(presented);
  return new HostKeyMismatchError(
    hostName,
    expectedPrints,
    presentedPrint,
    `HOST KEY MISMATCH for ${who}: expected ${expectedPrints.join(' or ')} (${against}), ` +
      `presented ${presentedPrint} (${keyTypeOf(presented)}). The host may have been reinstalled, or the ` +
      'connection is being intercepted; nothing was sent to it. Update the pin or known_hosts once the new key is confirmed',
  );
}

/** ssh2 names RSA host-key algorithms by signature hash; the key type alone is `ssh-rsa`. */
function algorithmsFor(keys: readonly PublicKey[]): string[] {
  const algorithms = keys.flatMap((k) =>
    k.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [k.type],
  );
  return [...new Set(algorithms)];
}
