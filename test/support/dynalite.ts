import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** dynalite ships no types; this is the part of its factory the tests use. */
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  maxItemSizeKb?: number;
}) => Server;

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as DynaliteFactory;

export interface LocalDynamo {
  /** An SDK v3 client pointed at the in-process server. */
  client: DynamoDBClient;
  endpoint: string;
  /** Another client for the same server (to add middleware to it); `stop()` destroys it too. */
  createClient(): DynamoDBClient;
  /** A table name no other test uses. */
  uniqueTableName(prefix?: string): string;
  stop(): Promise<void>;
}

/**
 * Starts an in-process, in-memory dynalite server on 127.0.0.1 (random port) and a DynamoDB client
 * for it (region us-east-1, dummy credentials). Tables become active at once.
 */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const createClient = (): DynamoDBClient => {
    const made = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
    });
    clients.push(made);
    return made;
  };
  const client = createClient();
  return {
    client,
    endpoint,
    createClient,
    uniqueTableName: (prefix = 'runs') => `${prefix}-${randomUUID().slice(0, 8)}`,
    async stop() {
      for (const made of clients) made.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
