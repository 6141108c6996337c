import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { readDocument, type SourceDocument } from '../document/readDocument.js';
import { validateShape } from '../document/validateShape.js';
import { parseDuration } from '../taskgroup/values.js';
import type { Host } from './Host.js';
import { type InventoryFile, InventorySchema } from './schema.js';

/** An inventory read from a file: the hosts with defaults applied, or why it could not be read. */
export type InventoryResult =
  | { ok: true; hosts: Host[]; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

const HOST_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,2}$/;

/** Reads, validates and normalises an inventory file (DESIGN §3). */
export async function loadInventory(file: string): Promise<InventoryResult> {
  const read = await readDocument(file);
  if (!read.ok) return read;
  return checkInventory(read.document);
}

/** Validates an already-parsed inventory document and applies its defaults. */
export function checkInventory(document: SourceDocument): InventoryResult {
  const shape = validateShape(document, InventorySchema);
  if (!shape.ok) return shape;
  const inventory: InventoryFile = shape.value;
  const diagnostics: Diagnostic[] = [];
  const baseDir = dirname(resolve(document.file));
  const defaults = inventory.defaults ?? {};
  const firstIndex = new Map<string, number>();

  const hosts = inventory.hosts.map((entry, i): Host => {
    const seen = firstIndex.get(entry.name);
    if (seen === undefined) firstIndex.set(entry.name, i);
    else {
      diagnostics.push(
        document.at(
          ['hosts', i, 'name'],
          'DUPLICATE_HOST',
          `host "${entry.name}" is defined twice (first at hosts[${seen}])`,
        ),
      );
    }
    const merged = { ...defaults, ...stripUndefined(entry) };
    const transport = merged.transport ?? 'ssh';
    if (transport === 'ssh' && !entry.address) {
      diagnostics.push(
        document.at(['hosts', i], 'MISSING_ADDRESS', `host "${entry.name}" uses ssh but has no address`, {
          hint: 'Add `address: <ip or dns name>`, or `transport: ssm` with an instance_id.',
        }),
      );
    }
    if (transport === 'ssm' && !entry.instance_id) {
      diagnostics.push(
        document.at(
          ['hosts', i],
          'MISSING_INSTANCE_ID',
          `host "${entry.name}" uses ssm but has no instance_id`,
        ),
      );
    }
    if (entry.host_key !== undefined && !HOST_KEY.test(entry.host_key.trim())) {
      diagnostics.push(
        document.at(
          ['hosts', i, 'host_key'],
          'INVALID_HOST_KEY',
          'host_key must be a public key line like "ssh-ed25519 AAAA…"',
          {
            hint: 'Copy it from `ssh-keyscan -t ed25519 HOST` without the host name.',
          },
        ),
      );
    }
    const timeout = merged.connect_timeout === undefined ? undefined : parseDuration(merged.connect_timeout);
    return stripUndefined({
      name: entry.name,
      transport,
      tags: entry.tags ?? [],
      address: entry.address,
      port: merged.port ?? (transport === 'ssh' ? 22 : undefined),
      user: merged.user ?? (transport === 'ssh' ? 'root' : undefined),
      identityFile:
        merged.identity_file === undefined ? undefined : resolvePath(baseDir, merged.identity_file),
      identitySecret: merged.identity_secret,
      knownHosts: merged.known_hosts === undefined ? undefined : resolvePath(baseDir, merged.known_hosts),
      hostKey: entry.host_key?.trim(),
      hostKeyPolicy: merged.host_key_policy ?? 'strict',
      connectTimeoutMs: timeout,
      instanceId: entry.instance_id,
    }) as Host;
  });
  if (diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics };
  return { ok: true, hosts, diagnostics };
}

function resolvePath(baseDir: string, path: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
