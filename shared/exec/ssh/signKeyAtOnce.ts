import type { Client } from 'ssh2';

/** The signing half of a key ssh2 has parsed. */
interface ParsedPrivateKey {
  sign(data: Buffer, hashAlgo?: string): Buffer | Error;
}

type SignCallback = (data: Buffer, send: (signature: Buffer) => void) => void;
type AuthPk = (username: string, key: ParsedPrivateKey, keyAlgo?: string, sign?: SignCallback) => void;

/** The part of ssh2's private connection state this module touches. */
interface ClientInternals {
  _protocol?: { authPK?: AuthPk };
}

/** The hash each RSA signature algorithm signs with; other key types imply theirs. */
const RSA_HASHES: Record<string, string> = {
  'rsa-sha2-256': 'sha256',
  'rsa-sha2-512': 'sha512',
  'ssh-rsa': 'sha1',
};

/**
 * Makes `client` authenticate with its private key in one request: the signed `publickey` request
 * goes out at once, instead of first asking the server whether it would accept the key (RFC 4252
 * §7 makes that query optional). It saves every connection a round trip and the server a second
 * look through `authorized_keys`; a key the server refuses fails as before, with one signature
 * spent. ssh2 has no option for this, so its method that sends the query is wrapped.
 *
 * Call right after `client.connect()`. Returns false, changing nothing, when ssh2's internals do
 * not have the expected shape: the connection then authenticates as before.
 */
export function signKeyAtOnce(client: Client): boolean {
  const protocol = (client as unknown as ClientInternals)._protocol;
  const query = protocol?.authPK;
  if (protocol === undefined || typeof query !== 'function') return false;
  protocol.authPK = function (this: unknown, username, key, keyAlgo, sign) {
    if (sign !== undefined || typeof keyAlgo === 'function' || typeof key?.sign !== 'function') {
      return query.call(this, username, key, keyAlgo, sign);
    }
    query.call(this, username, key, keyAlgo, (data, send) => {
      const signature = key.sign(data, keyAlgo === undefined ? undefined : RSA_HASHES[keyAlgo]);
      // A key that cannot sign takes ssh2's own path (query, then its error report).
      if (signature instanceof Error) query.call(this, username, key, keyAlgo);
      else send(signature);
    });
  };
  return true;
}
