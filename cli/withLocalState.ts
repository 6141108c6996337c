import { LOCAL_STATE_DIR, type LocalState, openLocalState } from '../shared/local/openLocalState.js';

/** Opens the local run store for the length of `body`, and always closes it. */
export async function withLocalState<T>(
  dir: string | undefined,
  body: (state: LocalState) => Promise<T>,
): Promise<T> {
  const state = await openLocalState(dir ?? LOCAL_STATE_DIR);
  try {
    return await body(state);
  } finally {
    await state.close();
  }
}
