import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { RUN_STORE_SCHEMA as S } from './tableSchema.js';

/**
 * Creates the run store table (on-demand billing, both indexes) and waits until it is active.
 * Meant for local runs and tests; in AWS the CDK stack creates the table from
 * {@link RUN_STORE_SCHEMA} and also enables TTL on `expiresAt`, which dynalite cannot do.
 *
 * @returns `created`, or `exists` when a table of that name was already there (left untouched).
 * @example
 * await createTable(new DynamoDBClient({ endpoint }), 'stepfleet-runs');
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<'created' | 'exists'> {
  const keyAttributes = [
    S.partitionKey,
    S.sortKey,
    S.byTaskGroupIndex.partitionKey,
    S.byTaskGroupIndex.sortKey,
    S.recentIndex.partitionKey,
    S.recentIndex.sortKey,
  ];
  const index = (spec: { name: string; partitionKey: string; sortKey: string }) => ({
    IndexName: spec.name,
    KeySchema: [
      { AttributeName: spec.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: spec.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...S.indexedAttributes] },
  });
  let outcome: 'created' | 'exists' = 'created';
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: S.partitionKey, KeyType: 'HASH' },
          { AttributeName: S.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [index(S.byTaskGroupIndex), index(S.recentIndex)],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    outcome = 'exists';
  }
  await waitUntilActive(client, tableName, options.timeoutMs ?? 120_000);
  return outcome;
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 25; ; delayMs = Math.min(delayMs * 2, 2_000)) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() + delayMs > deadline) {
      throw new Error(
        `Table "${tableName}" is not active after ${timeoutMs} ms (status ${Table?.TableStatus}).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
