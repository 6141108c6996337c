import { createHash, createHmac } from 'node:crypto';

/** A public key as SSH puts it on the wire: its type name and the key blob. */
export interface PublicKey {
  type: string;
  blob: Buffer;
}

/** One usable line of a known_hosts file. */
export interface KnownHostsEntry extends PublicKey {
  /** `@revoked` keys are refused; `@cert-authority` lines are kept but never match a plain key. */
  marker: 'revoked' | 'cert-authority' | undefined;
  /** `FILE:LINE`, for error messages. */
  source: string;
  /** True when the entry's host field covers `name` (see {@link knownHostsName}). */
  matches(name: string): boolean;
  /**
   * The names the host field lists, lower-cased, when it lists nothing but plain names (no
   * pattern, negation or hash): then it matches exactly these.
   */
  names?: readonly string[];
}

/**
 * A known_hosts file's entries, looked up by host name in file order. Entries that list plain
 * names are found through an index, the others (patterns, negations, hashed names) by testing
 * each: a fleet's file holds one plain line per host, and testing every line for every host
 * would cost a thousand-host run a million matches before its first connection.
 */
export class KnownHostsIndex {
  readonly #entries: KnownHostsEntry[] = [];
  readonly #byName = new Map<string, number[]>();
  readonly #tested: number[] = [];

  constructor(entries: readonly KnownHostsEntry[] = []) {
    this.add(entries);
  }

  /** Appends entries, as lines appended to the file. */
  add(entries: readonly KnownHostsEntry[]): void {
    for (const entry of entries) {
      const at = this.#entries.push(entry) - 1;
      if (entry.names === undefined) {
        this.#tested.push(at);
        continue;
      }
      for (const name of new Set(entry.names)) {
        const positions = this.#byName.get(name);
        if (positions) positions.push(at);
        else this.#byName.set(name, [at]);
      }
    }
  }

  /** The entries whose host field covers `name`, in file order. */
  lookup(name: string): KnownHostsEntry[] {
    const found = [
      ...(this.#byName.get(name.toLowerCase()) ?? []),
      ...this.#tested.filter((at) => this.#entries[at]?.matches(name)),
    ];
    return found.sort((a, b) => a - b).map((at) => this.#entries[at] as KnownHostsEntry);
  }
}

/**
 * The name under which OpenSSH records a host in known_hosts: the bare address on port 22,
 * `[address]:port` on any other port.
 */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/**
 * Parses a known_hosts file the way OpenSSH reads it: comma-separated host patterns with `*`, `?`
 * and `!` negation, hashed names (`|1|salt|hash`), `[host]:port` names, and `@revoked` /
 * `@cert-authority` markers. Lines it cannot read are skipped, as OpenSSH does.
 */
export function parseKnownHosts(text: string, file: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hosts, type, base64] = fields;
    if (hosts === undefined || type === undefined || base64 === undefined) return;
    const key = decodeKey(type, base64);
    if (key === undefined) return;
    const names = plainNames(hosts);
    entries.push({
      ...key,
      marker,
      source: `${file}:${i + 1}`,
      matches: hostMatcher(hosts),
      ...(names ? { names } : {}),
    });
  });
  return entries;
}

/** Parses `ssh-ed25519 AAAA… [comment]` (a `host_key` pin); undefined when it is not a public key. */
export function parsePublicKey(text: string): PublicKey | undefined {
  const [type, base64] = text.trim().split(/\s+/);
  return type === undefined || base64 === undefined ? undefined : decodeKey(type, base64);
}

/** The known_hosts line that records `key` for `name`. */
export function formatKnownHostsLine(name: string, key: PublicKey): string {
  return `${name} ${key.type} ${key.blob.toString('base64')}\n`;
}

/** `SHA256:…`, the fingerprint OpenSSH prints (`ssh-keygen -l`, connection errors). */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a wire-format key blob names (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.length < 4 + length ? 'unknown' : blob.subarray(4, 4 + length).toString('latin1');
}

function decodeKey(type: string, base64: string): PublicKey | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const blob = Buffer.from(base64, 'base64');
  // The blob repeats the type; a mismatch means a corrupted or hand-edited line.
  return keyTypeOf(blob) === type ? { type, blob } : undefined;
}

/** The lower-cased names of a host field that lists only plain names; undefined otherwise. */
function plainNames(field: string): string[] | undefined {
  if (field.startsWith('|')) return undefined;
  const names = field.split(',');
  return names.some((name) => name === '' || /[*?!]/.test(name))
    ? undefined
    : names.map((name) => name.toLowerCase());
}

function hostMatcher(field: string): (name: string) => boolean {
  if (field.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = field.split('|');
    const saltBytes = Buffer.from(salt, 'base64');
    return (name) => createHmac('sha1', saltBytes).update(name).digest('base64') === hash;
  }
  const patterns = field.split(',').map((pattern) => {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    const source = [...glob.toLowerCase()]
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return { negated, regex: new RegExp(`^${source}$`) };
  });
  return (name) => {
    const lower = name.toLowerCase();
    const hits = patterns.filter((p) => p.regex.test(lower));
    // As in OpenSSH, a matching negated pattern vetoes the line even when a positive one matches.
    return hits.length > 0 && hits.every((p) => !p.negated);
  };
}
