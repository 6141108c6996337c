import { randomBytes } from 'node:crypto';
import type { RunEvent, RunnerDeps } from '../../shared/engine/RunnerDeps.js';
import type { Host } from '../../shared/inventory/Host.js';
import { startEmbeddedDynamo } from '../../shared/local/embeddedDynamo.js';
import { localRunner } from '../../shared/local/localRunnerDeps.js';
import { AesGcmCipher, createTable, RunStore } from '../../shared/store/index.js';
import { parseTaskGroupText } from './parseTaskGroupText.js';

/** The engine wired as a local run wires it, over an in-memory dynalite, for one TaskGroup text. */
export interface EngineHarness {
  deps: RunnerDeps;
  store: RunStore;
  events: RunEvent[];
  /** Raw items of the table, as DynamoDB returns them (for "what is stored" assertions). */
  scanRaw(): Promise<string>;
  close(): Promise<void>;
}

export async function engineHarness(taskGroupYaml: string, hosts: Host[]): Promise<EngineHarness> {
  const group = parseTaskGroupText(taskGroupYaml);
  const dynamo = await startEmbeddedDynamo();
  const tableName = 'runs';
  await createTable(dynamo.client, tableName);
  const store = new RunStore({ client: dynamo.client, tableName, cipher: new AesGcmCipher(randomBytes(32)) });
  const events: RunEvent[] = [];
  const runner = localRunner({
    store,
    entry: { group, source: 'test.yaml' },
    hosts,
    emit: (e) => events.push(e),
  });
  return {
    deps: runner.deps,
    store,
    events,
    scanRaw: async () => {
      const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
      const page = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
      return JSON.stringify(page.Items ?? []);
    },
    close: async () => {
      await runner.close();
      await dynamo.stop();
    },
  };
}
