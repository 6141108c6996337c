import { LOCAL_STATE_DIR } from '../shared/local/localStateDir.js';
import type { LocalState } from '../shared/local/openLocalState.js';

/** Opens the local run store for the length of `body`, and always closes it. */
export async function withLocalState<T>(
  dir: string | undefined,
  body: (state: LocalState) => Promise<T>,
): Promise<T> {
  // Loaded here, not at start-up: the store brings the AWS SDK and dynalite, which only commands
  // that open it need.
  const { openLocalState } = await import('../shared/local/openLocalState.js');
  const state = await openLocalState(dir ?? LOCAL_STATE_DIR);
  try {
    return await body(state);
  } finally {
    await state.close();
  }
}
