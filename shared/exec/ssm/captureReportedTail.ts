import { createOutputCapture } from '../../vars/index.js';
import type { CapturedText } from '../HostExecutor.js';
import type { ReportedStream } from './parseDocumentReport.js';

const REPLACEMENT_CHARACTER = Buffer.from('\uFFFD');

/**
 * Masks one stream whose head the stepfleet document cut off on the host (DESIGN §5: keep the
 * tail, say how many bytes were dropped) and counts the cut in `droppedBytes`, exactly, from the
 * document's header; the text starts with a `[… N bytes dropped …]` line, like other captures.
 *
 * The cut was made before any masking, so a confidential value may straddle it: its end would
 * start the kept text, unmasked. The first `longest confidential value − 1` bytes of a cut stream
 * are therefore dropped too (and counted), so no fragment of a secret survives the cut. The
 * masking itself is `createOutputCapture` from shared/vars, as in every executor.
 */
export function captureReportedTail(stream: ReportedStream, secrets: readonly string[]): CapturedText {
  let bytes = Buffer.from(stream.text);
  let dropped = Math.max(0, stream.totalBytes - stream.keptBytes);
  if (dropped > 0) {
    // A cut inside a UTF-8 character reaches SSM as invalid bytes, which it turns into U+FFFD.
    let skip = 0;
    for (let i = 0; i < 3 && bytes.subarray(skip).indexOf(REPLACEMENT_CHARACTER) === 0; i++) {
      skip += REPLACEMENT_CHARACTER.length;
      dropped += 1;
    }
    bytes = bytes.subarray(skip);
    const longest = Math.max(0, ...secrets.map((secret) => Buffer.byteLength(secret)));
    let cut = Math.min(bytes.length, Math.max(0, longest - 1));
    while (cut < bytes.length && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut += 1;
    bytes = bytes.subarray(cut);
    dropped += cut;
  }
  const capture = createOutputCapture({ secrets });
  capture.push(bytes);
  const captured = capture.finish();
  return {
    text: dropped > 0 ? `[… ${dropped} bytes dropped …]\n${captured.text}` : captured.text,
    droppedBytes: dropped + captured.droppedBytes,
  };
}
