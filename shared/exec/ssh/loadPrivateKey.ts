import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import ssh2 from 'ssh2';
import { SshConnectError } from './SshConnectError.js';

/** Where a private key comes from: a file (local runs) or the key text itself (a Secrets Manager value). */
export type PrivateKeySource = { file: string } | { material: string | Buffer; label: string };

/**
 * Loads and checks an OpenSSH or PEM private key, so that a missing, unreadable, encrypted or
 * malformed key fails with a message naming it rather than as an opaque authentication failure.
 * A leading `~/` in a file path is the user's home directory.
 *
 * @example
 * await loadPrivateKey({ file: '~/.ssh/id_ed25519' });
 * await loadPrivateKey({ material: secretString, label: 'secret deploy/key' });
 */
export async function loadPrivateKey(source: PrivateKeySource): Promise<Buffer> {
  let material: Buffer;
  let label: string;
  if ('file' in source) {
    const path = source.file.startsWith('~/') ? `${homedir()}${source.file.slice(1)}` : source.file;
    label = `identity file ${path}`;
    try {
      material = await readFile(path);
    } catch (error) {
      throw new SshConnectError('IDENTITY_UNAVAILABLE', `cannot read ${label}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else {
    material = Buffer.from(source.material);
    label = source.label;
  }
  const parsed = ssh2.utils.parseKey(material);
  if (parsed instanceof Error) {
    throw new SshConnectError(
      'IDENTITY_UNAVAILABLE',
      `${label} is not a usable private key: ${parsed.message}`,
    );
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || !key.isPrivateKey()) {
    throw new SshConnectError('IDENTITY_UNAVAILABLE', `${label} holds no private key`);
  }
  return material;
}
