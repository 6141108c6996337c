import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { embeddedDynamoClient, startEmbeddedDynamo } from '../../shared/local/embeddedDynamo.js';

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
 * The embedded store the CLI uses (dynalite in memory, in a worker thread, on 127.0.0.1), with
 * extra clients on demand and unique table names for tests that share one server.
 */
export async function startDynalite(): Promise<LocalDynamo> {
  const embedded = await startEmbeddedDynamo();
  const clients: DynamoDBClient[] = [];
  const createClient = (): DynamoDBClient => {
    const made = embeddedDynamoClient(embedded.endpoint);
    clients.push(made);
    return made;
  };
  return {
    client: embedded.client,
    endpoint: embedded.endpoint,
    createClient,
    uniqueTableName: (prefix = 'runs') => `${prefix}-${randomUUID().slice(0, 8)}`,
    async stop() {
      for (const made of clients) made.destroy();
      await embedded.stop();
    },
  };
}
