import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedDynamo,
  embeddedDynamoClient,
  startEmbeddedDynamo,
} from '../../../shared/local/embeddedDynamo.js';
import { startStoreWorker } from '../../../shared/local/storeWorker.js';
import { createTable } from '../../../shared/store/index.js';

describe('the embedded store', () => {
  let dynamo: EmbeddedDynamo;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });

  afterAll(async () => {
    await dynamo?.stop();
  });

  it('answers the SDK client without its log, user-agent and trace steps', async () => {
    // Act
    await createTable(dynamo.client, 'embedded-check');
    const described = await dynamo.client.send(new DescribeTableCommand({ TableName: 'embedded-check' }));

    // Assess
    expect(described.Table?.TableStatus).toBe('ACTIVE');
    const steps = dynamo.client.middlewareStack.identify().join('\n');
    expect(steps).toContain('httpSigningMiddleware');
    expect(steps).not.toMatch(/loggerMiddleware|getUserAgentMiddleware|recursionDetectionMiddleware/);
  });

  it('answers its own client in process and any other client over HTTP, from one table', async () => {
    // Prepare
    await createTable(dynamo.client, 'two-ways');
    const overHttp = embeddedDynamoClient(dynamo.endpoint);
    const item = { pk: { S: 'RUN#1' }, sk: { S: 'HOST#a' }, note: { S: 'ünïcode ✓' } };

    try {
      // Act
      await overHttp.send(new PutItemCommand({ TableName: 'two-ways', Item: item }));
      const read = await dynamo.client.send(
        new GetItemCommand({
          TableName: 'two-ways',
          Key: { pk: item.pk, sk: item.sk },
          ConsistentRead: true,
        }),
      );
      const refused = dynamo.client.send(
        new PutItemCommand({
          TableName: 'two-ways',
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );

      // Assess: the same item both ways, and a store error is the SDK's own exception.
      expect(read.Item).toEqual(item);
      await expect(refused).rejects.toBeInstanceOf(ConditionalCheckFailedException);
      const handler = dynamo.client.config.requestHandler as { metadata?: { handlerProtocol?: string } };
      expect(handler.metadata?.handlerProtocol).toBe('in-process');
    } finally {
      overHttp.destroy();
    }
  });

  it('can be started ahead: then told where to open its database', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'stepfleet-ahead-'));
    const worker = startStoreWorker();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // time enough to load dynalite

      // Act
      const ahead = await startEmbeddedDynamo({ path: join(dir, 'db'), worker });
      await createTable(ahead.client, 'ahead-check');
      await ahead.stop();

      // Assess
      expect(existsSync(join(dir, 'db'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails every request at once after its thread has gone, instead of leaving it unanswered', async () => {
    // Prepare
    const worker = startStoreWorker();
    const store = await worker.open();
    const request = { method: 'POST', url: '/', headers: {}, body: '{}' };
    expect((await store.send(request)).statusCode).toBe(404); // answered while alive (no operation named)

    // Act
    await worker.discard();

    // Assess
    await expect(store.send(request)).rejects.toThrow(/the embedded store stopped/);
  });

  it('can be discarded unopened', async () => {
    // Act and assess: the thread ends (a live one would keep this promise pending).
    await startStoreWorker().discard();
  });
});
