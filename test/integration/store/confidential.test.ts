import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCipher } from '../../../shared/store/index.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { executionResult, newStore, rawItems, sshHosts, theClaim } from './storeFixture.js';

let db: LocalDynamo;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

const RUN = 'run-secrets';
const INPUT_SECRET = 'hunter2-input-0f3a9c';
const OUTPUT_SECRET = 'tok_live_51Hc9QeKx7';

describe('confidential values', () => {
  it('never stores a confidential input or output in clear, yet handlers can read them back', async () => {
    // Prepare
    const { store, tableName } = await newStore(db);
    await store.createRun({
      runId: RUN,
      taskGroup: 'deploy-web',
      tasks: ['fetch-token'],
      inputs: { env: 'prod', password: INPUT_SECRET },
      confidentialInputs: ['password'],
    });
    await store.putTaskPlan(RUN, 'fetch-token', {
      hosts: sshHosts(1),
      shardSize: 1,
      exports: [{ name: 'token', confidential: true }, { name: 'region' }],
    });
    const claim = theClaim(
      await store.claimHostAttempt({
        runId: RUN,
        task: 'fetch-token',
        shard: 0,
        host: 'web-1',
        attempt: 1,
        leaseMs: 60_000,
        idempotent: false,
      }),
    );

    // Act
    await store.completeHostAttempt({
      claim,
      final: true,
      result: executionResult({ outputs: { token: OUTPUT_SECRET, region: 'eu-west-1' } }),
      confidentialOutputs: ['token'],
    });
    const table = (await rawItems(db, tableName)).join('\n');
    const result = await store.getRunResult(RUN);

    // Assess
    expect(table).toContain('eu-west-1');
    expect(table).not.toContain(INPUT_SECRET);
    expect(table).not.toContain(OUTPUT_SECRET);
    expect(table).not.toContain(Buffer.from(OUTPUT_SECRET).toString('base64'));
    expect(await store.getRunInputs(RUN)).toEqual({ env: 'prod', password: INPUT_SECRET });
    expect(await store.getHostOutputs({ runId: RUN, task: 'fetch-token', host: 'web-1' })).toEqual({
      token: OUTPUT_SECRET,
      region: 'eu-west-1',
    });
    expect(result?.inputs).toEqual({ env: 'prod', password: '***' });
    expect(result?.results['fetch-token']?.outputs).toEqual({
      token: { 'web-1': '***' },
      region: { 'web-1': 'eu-west-1' },
    });
    expect(JSON.stringify(result)).not.toContain(OUTPUT_SECRET);
  });
});

describe('AesGcmCipher', () => {
  it('encrypts the same value differently each time and decrypts it back', async () => {
    // Prepare
    const cipher = new AesGcmCipher(randomBytes(32));

    // Act
    const first = await cipher.encrypt('päss✓');
    const second = await cipher.encrypt('päss✓');

    // Assess
    expect(first).not.toBe(second);
    expect(await cipher.decrypt(first)).toBe('päss✓');
    expect(await cipher.decrypt(second)).toBe('päss✓');
  });

  it('rejects a ciphertext altered by one byte or made with another key', async () => {
    // Prepare
    const cipher = new AesGcmCipher(randomBytes(32));
    const stored = await cipher.encrypt('secret');
    const raw = Buffer.from(stored.slice(stored.indexOf(':') + 1), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    const altered = `${stored.slice(0, stored.indexOf(':') + 1)}${raw.toString('base64')}`;

    // Act
    const decryptAltered = cipher.decrypt(altered);
    const decryptOtherKey = new AesGcmCipher(randomBytes(32)).decrypt(stored);

    // Assess
    await expect(decryptAltered).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(decryptOtherKey).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('refuses a key that is not 32 bytes', () => {
    // Prepare
    const shortKey = randomBytes(16);

    // Act
    const creating = () => new AesGcmCipher(shortKey);

    // Assess
    expect(creating).toThrow(/32-byte key/);
  });
});
