import { EXIT } from '../exitCodes.js';
import { RemoteApiError } from './remoteApi.js';

/** Prints an API error like the CLI's diagnostics and returns the exit code (2 for 4xx, 1 otherwise). */
export function reportRemoteError(error: unknown): number {
  if (!(error instanceof RemoteApiError)) throw error;
  process.stderr.write(`stepfleet: ${error.status ? `${error.status} ` : ''}${error.message}\n`);
  for (const d of error.details) {
    process.stderr.write(`  ${d.code ?? 'ERROR'}  ${d.message}${d.path ? ` (at ${d.path})` : ''}\n`);
  }
  return error.status >= 400 && error.status < 500
    ? EXIT.invalidInput
    : error.status === 0
      ? EXIT.invalidInput
      : EXIT.runFailed;
}

/** `k=v` pairs of repeated options into a record. */
export function keyValues(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new RemoteApiError(0, `--input needs NAME=VALUE, got "${pair}"`, []);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
