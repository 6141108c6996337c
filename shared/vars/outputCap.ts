/** Captured output of one stream after the cap: same shape as the executors' `CapturedText`. */
export interface CappedOutput {
  text: string;
  /** Bytes of the stream that are not in `text` (the middle, plus split characters at the cut). */
  droppedBytes: number;
}

/** Byte budget of one captured stream. */
export interface OutputCapOptions {
  /** Bytes kept from the start of the stream. Default {@link DEFAULT_HEAD_BYTES}. */
  headBytes?: number;
  /** Bytes kept from the end of the stream (usually where the error is). Default {@link DEFAULT_TAIL_BYTES}. */
  tailBytes?: number;
  /** Text put where bytes were dropped; `false` for none. Default: a line naming the count. */
  marker?: ((droppedBytes: number) => string) | false;
}

/**
 * Default head budget. Head plus tail is 64 KiB per stream, so stdout and stderr of one host fit
 * well inside a DynamoDB item (400 KB) next to the rest of the host's result.
 */
export const DEFAULT_HEAD_BYTES = 16 * 1024;
/** Default tail budget: the end of the output, where failures show, gets the larger share. */
export const DEFAULT_TAIL_BYTES = 48 * 1024;

/** A capped capture of one stream. `push` the (already masked) chunks, then `finish` once. */
export interface OutputCap {
  push(chunk: Uint8Array | string): void;
  finish(): CappedOutput;
}

const defaultMarker = (droppedBytes: number): string => `\n[… ${droppedBytes} bytes dropped …]\n`;

/**
 * Caps one host's stdout or stderr (DESIGN §5): keeps the first `headBytes` and the last
 * `tailBytes` bytes, counts the bytes in between, and never holds more than about
 * `headBytes + 2 × tailBytes` in memory whatever the stream's size. The text is decoded as UTF-8
 * and never cut inside a multi-byte character: the bytes of a character split by a cut are
 * dropped (and counted). Invalid UTF-8 from the command becomes U+FFFD.
 *
 * Order matters: mask first, then cap (`cap.push(masker.push(chunk))`), so that a cut can
 * never separate a secret from the masker's view.
 *
 * @example
 * const cap = createOutputCap({ headBytes: 4, tailBytes: 4, marker: false });
 * cap.push('0123456789');
 * cap.finish() // { text: '01236789', droppedBytes: 2 }
 */
export function createOutputCap(options: OutputCapOptions = {}): OutputCap {
  const headBytes = checkBudget('headBytes', options.headBytes ?? DEFAULT_HEAD_BYTES);
  const tailBytes = checkBudget('tailBytes', options.tailBytes ?? DEFAULT_TAIL_BYTES);
  const marker = options.marker === undefined ? defaultMarker : options.marker;
  const head = Buffer.alloc(headBytes);
  let headLength = 0;
  let tail: Buffer[] = [];
  let tailLength = 0;
  let dropped = 0;
  let finished = false;

  const keepTail = (): Buffer => {
    const all = Buffer.concat(tail, tailLength);
    const kept = all.length > tailBytes ? Buffer.from(all.subarray(all.length - tailBytes)) : all;
    dropped += all.length - kept.length;
    tail = [kept];
    tailLength = kept.length;
    return kept;
  };

  return {
    push(chunk) {
      if (finished) throw new Error('OutputCap.push called after finish()');
      let bytes =
        typeof chunk === 'string'
          ? Buffer.from(chunk)
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (headLength < headBytes) {
        const taken = bytes.copy(head, headLength, 0, Math.min(bytes.length, headBytes - headLength));
        headLength += taken;
        bytes = bytes.subarray(taken);
      }
      if (bytes.length === 0) return;
      tail.push(Buffer.from(bytes));
      tailLength += bytes.length;
      if (tailLength > 2 * tailBytes) keepTail();
    },
    finish() {
      finished = true;
      const kept = keepTail();
      const first = head.subarray(0, headLength);
      if (dropped === 0) return { text: decode(Buffer.concat([first, kept])), droppedBytes: 0 };
      const headEnd = completeCharactersEnd(first);
      const tailStart = continuationBytesAtStart(kept);
      dropped += first.length - headEnd + tailStart;
      const gap = marker === false ? '' : marker(dropped);
      return {
        text: decode(first.subarray(0, headEnd)) + gap + decode(kept.subarray(tailStart)),
        droppedBytes: dropped,
      };
    },
  };
}

/** {@link createOutputCap} over one whole text or buffer. */
export function capOutput(content: Uint8Array | string, options: OutputCapOptions = {}): CappedOutput {
  const cap = createOutputCap(options);
  cap.push(content);
  return cap.finish();
}

function checkBudget(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`OutputCap ${name} must be a whole number of bytes ≥ 0, got ${value}.`);
  }
  return value;
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
}

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 character. */
function completeCharactersEnd(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= Math.min(4, length); back++) {
    const byte = bytes[length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead
    if (byte < 0xc0) return length; // ASCII: the prefix ends cleanly
    const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return size > back ? length - back : length;
  }
  return length;
}

/** Continuation bytes at the start of `bytes` (the rest of a character cut off in front). */
function continuationBytesAtStart(bytes: Uint8Array): number {
  let count = 0;
  while (count < 3 && count < bytes.length && ((bytes[count] ?? 0) & 0xc0) === 0x80) count++;
  return count;
}
