import { type KeyObject, sign } from 'node:crypto';
import type { Client } from 'ssh2';

/** What ssh2 hands its method for `publickey` requests: the parsed key, by its SSH type. */
interface ParsedKey {
  type: string;
}

type SignCallback = (data: Buffer, send: (signature: Buffer) => void) => void;
type AuthPk = (username: string, key: ParsedKey, keyAlgo?: string, sign?: SignCallback) => void;

/** The part of ssh2's private connection state this module touches. */
interface ClientInternals {
  _protocol?: { authPK?: AuthPk };
}

/** The hash each SSH signature algorithm signs with; Ed25519 names none. */
const HASHES: Record<string, string> = {
  'rsa-sha2-256': 'sha256',
  'rsa-sha2-512': 'sha512',
  'ssh-rsa': 'sha1',
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};

/**
 * Makes `client` authenticate with its private key in one request: the signed `publickey` request
 * goes out at once, instead of first asking the server whether it would accept the key (RFC 4252
 * §7 makes that query optional). It saves every connection a round trip and the server a second
 * look through `authorized_keys`; a key the server refuses fails as before, with one signature
 * spent. The signature is made with `privateKey`, the same key as a `KeyObject` built once:
 * ssh2 would decode the key's PEM text again for every signature, which costs more than signing.
 * ssh2 has no option for any of this, so its method that sends the query is wrapped.
 *
 * Call right after `client.connect()`. Returns false, changing nothing, when ssh2's internals do
 * not have the expected shape: the connection then authenticates as before.
 */
export function signKeyAtOnce(client: Client, privateKey: KeyObject): boolean {
  const protocol = (client as unknown as ClientInternals)._protocol;
  const query = protocol?.authPK;
  if (protocol === undefined || typeof query !== 'function') return false;
  protocol.authPK = function (this: unknown, username, key, keyAlgo, signed) {
    const algorithm = typeof keyAlgo === 'string' ? keyAlgo : key?.type;
    // Anything but a plain query for a key type whose hash is known takes ssh2's own path.
    const known = algorithm === 'ssh-ed25519' || (algorithm !== undefined && algorithm in HASHES);
    if (signed !== undefined || typeof keyAlgo === 'function' || !known) {
      return query.call(this, username, key, keyAlgo, signed);
    }
    query.call(this, username, key, keyAlgo, (data, send) => {
      let signature: Buffer;
      try {
        signature = sign(HASHES[algorithm] ?? null, data, privateKey);
      } catch {
        // A key that cannot sign takes ssh2's own path (query, then its error report).
        query.call(this, username, key, keyAlgo);
        return;
      }
      send(signature);
    });
  };
  return true;
}
