import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../shared/exec/ssh/SshExecutor.js';
import { type Fleet, fleetHost, startFleet } from '../../support/fleet.js';
import { hostileString } from '../../support/hostileString.js';

const VALUES = 10_000;
const PER_EXECUTION = 1_000;

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ count: 1 });
}, 60_000);
afterAll(async () => fleet?.stop());

describe('values passed as environment variables over SSH', () => {
  it(`print back exactly as given and never change the command (${VALUES} fast-check values)`, async () => {
    // Prepare: NUL cannot be carried by any environment, so the generator leaves it out.
    const values = fc.sample(
      hostileString().filter((v) => !v.includes('\u0000')),
      { numRuns: VALUES, seed: 20261123 },
    );
    const executor = new SshExecutor();
    try {
      for (let start = 0; start < values.length; start += PER_EXECUTION) {
        const batch = values.slice(start, start + PER_EXECUTION);
        const env = Object.fromEntries(batch.map((v, i) => [`V${i}`, v]));
        // Act: a fixed command prints every variable NUL-terminated, then a sentinel.
        const result = await executor.run({
          host: fleetHost(fleet, 0),
          command: `i=0; while [ $i -lt ${batch.length} ]; do eval "printf '%s\\\\000' \\"\\$V$i\\""; i=$((i + 1)); done; printf END`,
          env,
          timeoutMs: 60_000,
          confidential: [],
        });
        // Assess
        expect(result.status, result.error ?? '').toBe('success');
        expect(result.stdout.droppedBytes).toBe(0);
        const printed = result.stdout.text;
        expect(printed.endsWith('END')).toBe(true);
        expect(printed.slice(0, -3).split('\u0000').slice(0, -1)).toEqual(batch);
      }
    } finally {
      await executor.close();
    }
  });
});
