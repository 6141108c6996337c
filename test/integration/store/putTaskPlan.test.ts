import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { newStore, rawItems, sshHosts } from './storeFixture.js';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

const RUN = 'run-plans';
const ITEM_LIMIT_BYTES = 400 * 1024;

describe('putTaskPlan', () => {
  it('stores 10,000 hosts as shard items that each stay far below the 400 KB item limit', async () => {
    // Prepare
    const { store, tableName } = await newStore(db);
    const hosts = sshHosts(10_000);

    // Act
    const plan = await store.putTaskPlan(RUN, 'deploy', { hosts, shardSize: 250 });
    const shard17 = await store.getShardHosts(RUN, 'deploy', 17);
    const lastShard = await store.getShardHosts(RUN, 'deploy', plan.shardCount - 1);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(hosts))).toBeGreaterThan(ITEM_LIMIT_BYTES * 4);
    expect(plan).toMatchObject({
      hostCount: 10_000,
      shardCount: 40,
      waves: [{ wave: 0, firstShard: 0, shardCount: 40 }],
    });
    expect(shard17).toEqual(hosts.slice(17 * 250, 18 * 250));
    expect(lastShard.at(-1)?.name).toBe('web-10000');
    const sizes = (await rawItems(db, tableName)).map((item) => Buffer.byteLength(item));
    expect(sizes).toHaveLength(41);
    expect(Math.max(...sizes)).toBeLessThan(ITEM_LIMIT_BYTES / 2);
  });

  it('lays hosts out in waves whose shards never span two waves', async () => {
    // Prepare
    const { store } = await newStore(db);
    const hosts = sshHosts(100);

    // Act
    const plan = await store.putTaskPlan(RUN, 'deploy', { hosts, shardSize: 8, waveSize: 30 });
    const lastOfFirstWave = await store.getShardHosts(RUN, 'deploy', 3);
    const firstOfSecondWave = await store.getShardHosts(RUN, 'deploy', 4);

    // Assess
    expect(plan.waves).toEqual([
      { wave: 0, firstShard: 0, shardCount: 4, hostCount: 30 },
      { wave: 1, firstShard: 4, shardCount: 4, hostCount: 30 },
      { wave: 2, firstShard: 8, shardCount: 4, hostCount: 30 },
      { wave: 3, firstShard: 12, shardCount: 2, hostCount: 10 },
    ]);
    expect(lastOfFirstWave.map((host) => host.name)).toEqual([
      'web-25',
      'web-26',
      'web-27',
      'web-28',
      'web-29',
      'web-30',
    ]);
    expect(firstOfSecondWave[0]?.name).toBe('web-31');
  });

  it('keeps the first plan when a retried prepare step plans the task again with other hosts', async () => {
    // Prepare
    const { store } = await newStore(db);
    await store.putTaskPlan(RUN, 'deploy', { hosts: sshHosts(6), shardSize: 3 });

    // Act
    const again = await store.putTaskPlan(RUN, 'deploy', { hosts: sshHosts(9).slice(3), shardSize: 2 });

    // Assess
    expect(again).toMatchObject({ hostCount: 6, shardSize: 3, shardCount: 2 });
    expect((await store.getShardHosts(RUN, 'deploy', 0)).map((host) => host.name)).toEqual([
      'web-1',
      'web-2',
      'web-3',
    ]);
  });

  it('refuses a shard size whose shards would not fit an item, naming the fix', async () => {
    // Prepare
    const { store } = await newStore(db);
    const hosts = sshHosts(2_000).map((host) => ({ ...host, hostKey: `ssh-rsa ${'A'.repeat(700)}` }));

    // Act
    const planning = store.putTaskPlan(RUN, 'deploy', { hosts, shardSize: 2_000 });

    // Assess
    await expect(planning).rejects.toMatchObject({
      code: 'ITEM_TOO_LARGE',
      message: expect.stringMatching(/lower shardSize/),
    });
    expect(await store.getTaskPlan(RUN, 'deploy')).toBeNull();
  });

  it('reports a shard that was never planned', async () => {
    // Prepare
    const { store } = await newStore(db);

    // Act
    const loading = store.getShardHosts(RUN, 'deploy', 0);

    // Assess
    await expect(loading).rejects.toMatchObject({ code: 'SHARD_NOT_FOUND' });
  });
});
