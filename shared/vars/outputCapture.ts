import { createMasker } from './masking.js';
import { type CappedOutput, createOutputCap, type OutputCapOptions } from './outputCap.js';

/** Options of {@link createOutputCapture}: the cap's budget and the values to mask. */
export interface OutputCaptureOptions extends OutputCapOptions {
  /** Confidential values to replace with `***` before anything is kept. */
  secrets?: Iterable<string>;
}

/** One stream's capture: `push` raw chunks as they arrive, `finish` once at the end. */
export interface OutputCapture {
  push(chunk: Uint8Array | string): void;
  finish(): CappedOutput;
}

/**
 * What an executor uses for each of stdout and stderr: masks confidential values
 * ({@link createMasker}), then caps the masked bytes ({@link createOutputCap}). In that order a
 * secret is masked even when it straddles the cut, and no kept byte was ever unmasked.
 *
 * @example
 * const stdout = createOutputCapture({ secrets: request.confidential });
 * channel.on('data', (chunk: Buffer) => stdout.push(chunk));
 * channel.on('close', () => resolve(stdout.finish()));
 */
export function createOutputCapture(options: OutputCaptureOptions = {}): OutputCapture {
  const masker = createMasker(options.secrets ?? []);
  const cap = createOutputCap(options);
  return {
    push(chunk) {
      cap.push(masker.push(chunk));
    },
    finish() {
      cap.push(masker.end());
      return cap.finish();
    },
  };
}
