import { RESULT_END_LINE, RESULT_HEADER_PREFIX } from './stepfleetDocument.js';

/** One stream as the document printed it: the tail it kept, and the byte counts from its header. */
export interface ReportedStream {
  text: string;
  keptBytes: number;
  totalBytes: number;
}

/** What the stepfleet document reported on stdout (see `STEPFLEET_SSM_SCRIPT`). */
export interface DocumentReport {
  /** `workdir`: the `cd` failed and the command did not run. */
  phase: 'run' | 'workdir';
  exitCode: number;
  /** Size of `$STEPFLEET_OUTPUT` in bytes. */
  outputFileBytes: number;
  /** Its content; undefined when it was too large for the document to send back. */
  outputFile: string | undefined;
  stdout: ReportedStream;
  stderr: ReportedStream;
}

const HEADER = new RegExp(
  `^${RESULT_HEADER_PREFIX}phase=(run|workdir) exit=(\\d+) output=(\\d+) stdout=(\\d+)/(\\d+) stderr=(\\d+)/(\\d+)\\n`,
);
/** What the SSM Agent appends to stderr when the script exits non-zero; it repeats the exit code. */
const AGENT_NOTE = /^\n?failed to run commands: [^\n]*\n?$/;

/**
 * Reads the document's result block from GetCommandInvocation's `StandardOutputContent` and
 * `StandardErrorContent`. Undefined when stdout does not start with a well-formed block: the script
 * stopped before the command ran (old agent, no base64, no temp dir) or another document ran.
 */
export function parseDocumentReport(
  stdoutContent: string,
  stderrContent: string,
): DocumentReport | undefined {
  const header = HEADER.exec(stdoutContent);
  if (header === null) return undefined;
  const [, , exit, output, stdoutKept, stdoutTotal, stderrKept, stderrTotal] = header.map(Number);
  const afterHeader = header[0].length;
  const end = stdoutContent.indexOf(`\n${RESULT_END_LINE}\n`, afterHeader - 1);
  if (end < 0) return undefined;
  const encoded = stdoutContent.slice(afterHeader, end);
  if (!/^[A-Za-z0-9+/=]*$/.test(encoded)) return undefined;
  return {
    phase: header[1] === 'workdir' ? 'workdir' : 'run',
    exitCode: exit ?? Number.NaN,
    outputFileBytes: output ?? 0,
    outputFile:
      encoded === '' && (output ?? 0) > 0 ? undefined : Buffer.from(encoded, 'base64').toString('utf8'),
    stdout: {
      text: stdoutContent.slice(end + RESULT_END_LINE.length + 2),
      keptBytes: stdoutKept ?? 0,
      totalBytes: stdoutTotal ?? 0,
    },
    stderr: {
      text: withoutAgentNote(stderrContent, stderrKept ?? 0),
      keptBytes: stderrKept ?? 0,
      totalBytes: stderrTotal ?? 0,
    },
  };
}

/**
 * The command's stderr without the agent's own note after it. The header says how many bytes the
 * document printed; whatever follows them is cut only when it is the agent's note, so a count
 * thrown off by SSM's re-encoding of invalid UTF-8 never cuts the command's own text.
 */
function withoutAgentNote(content: string, keptBytes: number): string {
  const bytes = Buffer.from(content);
  if (bytes.length <= keptBytes) return content;
  const extra = bytes.subarray(keptBytes).toString('utf8');
  return AGENT_NOTE.test(extra) ? bytes.subarray(0, keptBytes).toString('utf8') : content;
}
