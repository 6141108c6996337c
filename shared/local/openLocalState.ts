import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StepfleetError } from '../errors.js';
import { AesGcmCipher, createTable, RunStore } from '../store/index.js';
import { startEmbeddedDynamo } from './embeddedDynamo.js';
import { isProcessAlive } from './isProcessAlive.js';
import { LOCAL_STATE_DIR } from './localStateDir.js';
import type { StoreWorker } from './storeWorker.js';

const TABLE = 'stepfleet-runs';

/** The local run store, open; `close()` releases the on-disk database. */
export interface LocalState {
  store: RunStore;
  dir: string;
  close(): Promise<void>;
}

/**
 * Opens (creating on first use) the local run store: dynalite on disk under `dir/db`, confidential
 * values encrypted with a key kept in `dir/key` (mode 0600, created once). The store's thread may
 * have been started ahead ({@link StoreWorker}); it is discarded if the state cannot be opened.
 */
export async function openLocalState(
  dir = LOCAL_STATE_DIR,
  options: { worker?: StoreWorker } = {},
): Promise<LocalState> {
  let unlock: () => void;
  let key: Uint8Array;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    unlock = takeLock(join(dir, 'lock'));
    key = await loadOrCreateKey(join(dir, 'key'));
  } catch (error) {
    await options.worker?.discard();
    throw error;
  }
  let dynamo: Awaited<ReturnType<typeof startEmbeddedDynamo>>;
  try {
    dynamo = await startEmbeddedDynamo({ path: join(dir, 'db'), ...options });
  } catch (error) {
    unlock();
    const message = error instanceof Error ? error.message : String(error);
    throw new StepfleetError(
      'LOCAL_STATE_UNAVAILABLE',
      `cannot open the local run store in ${dir}: ${/lock/i.test(message) ? 'another stepfleet process is using it' : message}`,
    );
  }
  await createTable(dynamo.client, TABLE);
  const store = new RunStore({ client: dynamo.client, tableName: TABLE, cipher: new AesGcmCipher(key) });
  return {
    store,
    dir,
    close: async () => {
      await dynamo.stop();
      unlock();
    },
  };
}

async function loadOrCreateKey(file: string): Promise<Uint8Array> {
  try {
    const key = await readFile(file);
    if (key.length === 32) return key;
  } catch {
    // first run: create it below
  }
  const key = randomBytes(32);
  await writeFile(file, key, { mode: 0o600 });
  await chmod(file, 0o600);
  return key;
}

/**
 * One process at a time may use a state directory: the store's database is not safe to open
 * twice. A lock file holds the owner's pid; a lock whose process is gone is taken over.
 */
function takeLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        if (readLockOwner(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readLockOwner(file);
      if (owner !== undefined && owner !== process.pid && isProcessAlive(owner)) {
        throw new StepfleetError(
          'LOCAL_STATE_UNAVAILABLE',
          `the local run store in ${dirname(file)} is in use by another stepfleet process (pid ${owner})`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new StepfleetError('LOCAL_STATE_UNAVAILABLE', `cannot lock the local run store in ${dirname(file)}`);
}

function readLockOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
