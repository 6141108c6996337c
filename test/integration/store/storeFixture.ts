import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { ExecutionResult } from '../../../shared/exec/HostExecutor.js';
import type { Host } from '../../../shared/inventory/Host.js';
import {
  AesGcmCipher,
  type ClaimOutcome,
  createTable,
  type HostClaim,
  RunStore,
  type RunStoreOptions,
} from '../../../shared/store/index.js';
import type { LocalDynamo } from '../../support/dynalite.js';

/** A fresh table and a store on it; each test gets its own so tests never see each other's items. */
export async function newStore(
  db: LocalDynamo,
  options: Partial<Omit<RunStoreOptions, 'tableName'>> = {},
): Promise<{ store: RunStore; tableName: string }> {
  const tableName = db.uniqueTableName();
  await createTable(db.client, tableName);
  const store = new RunStore({
    client: db.client,
    tableName,
    cipher: new AesGcmCipher(randomBytes(32)),
    ...options,
  });
  return { store, tableName };
}

/** `count` SSH hosts `web-1 … web-N` with the fields a real inventory gives them. */
export function sshHosts(count: number): Host[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `web-${i + 1}`,
    transport: 'ssh' as const,
    tags: ['web', i % 10 === 0 ? 'canary' : 'fleet'],
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 22,
    user: 'deploy',
    identityFile: '/home/deploy/.ssh/id_ed25519',
    knownHosts: '/etc/stepfleet/known_hosts',
    hostKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${String(i).padStart(43, 'x')}`,
  }));
}

/** An executor result; a success with empty captures unless overridden. */
export function executionResult(overrides: Partial<ExecutionResult> = {}): ExecutionResult {
  const status = overrides.status ?? 'success';
  return {
    status,
    exitCode: status === 'success' ? 0 : 1,
    signal: null,
    stdout: { text: '', droppedBytes: 0 },
    stderr: { text: '', droppedBytes: 0 },
    outputs: {},
    error: status === 'success' ? null : `host failed with ${status}`,
    startedAt: '2030-01-01T00:00:00.000Z',
    durationMs: 5,
    ...overrides,
  };
}

/** Every item of the table as DynamoDB stores it (raw attribute values), one JSON string per item. */
export async function rawItems(db: LocalDynamo, tableName: string): Promise<string[]> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start as never }),
    );
    for (const item of page.Items ?? []) items.push(JSON.stringify(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export const T0 = new Date('2030-01-01T00:00:00.000Z');

export function at(msAfterT0: number): Date {
  return new Date(T0.getTime() + msAfterT0);
}

/** The one `claimed` outcome among `outcomes`; throws (failing the test) when there is none. */
export function theClaim(...outcomes: readonly ClaimOutcome[]): HostClaim {
  for (const outcome of outcomes) if (outcome.kind === 'claimed') return outcome.claim;
  throw new Error(`expected a claim, got ${outcomes.map((outcome) => outcome.kind).join(', ')}`);
}
