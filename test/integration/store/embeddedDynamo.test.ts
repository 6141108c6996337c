import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/local/embeddedDynamo.js';
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
});
