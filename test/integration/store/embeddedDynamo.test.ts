import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/local/embeddedDynamo.js';
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

  it('can be started ahead: its thread creates nothing until told where, then opens there', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'stepfleet-ahead-'));
    const worker = startStoreWorker();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // time enough to load dynalite
      expect(readdirSync(dir)).toEqual([]);

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

  it('can be discarded unopened', async () => {
    // Act and assess: the thread ends (a live one would keep this promise pending).
    await startStoreWorker().discard();
  });
});
