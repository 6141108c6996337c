import type { CapturedText } from '../exec/HostExecutor.js';

/**
 * Keeps at most `maxBytes` UTF-8 bytes of a capture, the tail (where errors usually are), and
 * adds what it cut to `droppedBytes`. Never splits a multi-byte character.
 */
export function capText(captured: CapturedText, maxBytes: number): CapturedText {
  const bytes = Buffer.from(captured.text, 'utf8');
  if (bytes.byteLength <= maxBytes) return captured;
  let start = bytes.byteLength - maxBytes;
  // Skip continuation bytes (10xxxxxx) so the kept text starts on a character boundary.
  while (start < bytes.byteLength && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return { text: bytes.subarray(start).toString('utf8'), droppedBytes: captured.droppedBytes + start };
}
