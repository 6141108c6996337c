import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../../shared/local/isProcessAlive.js';

/** A claimed address block 127.0.B.0/24, held until released. */
export interface AddressBlock {
  octet: number;
  release(): Promise<void>;
}

/**
 * Claims an address block so that fleets started by concurrent test files (vitest runs files in
 * parallel processes) never bind the same address. A claim is a directory created atomically
 * with `mkdir`, holding the owner's PID; a claim whose owner died is taken over.
 *
 * @param wanted a specific block (fails if another live process holds it); default the first free one from 1.
 */
export async function acquireAddressBlock(wanted?: number): Promise<AddressBlock> {
  const candidates = wanted === undefined ? range(1, 254) : [wanted];
  for (const octet of candidates) {
    const lock = join(tmpdir(), `stepfleet-fleet-block-${octet}`);
    if (await claim(lock)) {
      return { octet, release: () => rm(lock, { recursive: true, force: true }) };
    }
  }
  throw new Error(
    wanted === undefined
      ? 'fleet: every address block 127.0.1-254.x is in use'
      : `fleet: address block 127.0.${wanted}.x is held by another live process`,
  );
}

async function claim(lock: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'owner'), String(process.pid));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(join(lock, 'owner'), 'utf8').catch(() => 'NaN'));
      // No owner file yet: its creator is between mkdir and writeFile, so the claim is live.
      if (Number.isNaN(owner) || isProcessAlive(owner)) return false;
      await rm(lock, { recursive: true, force: true });
    }
  }
  return false;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
