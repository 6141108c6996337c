import { shellQuote } from '../../vars/index.js';
import { shellArgv } from '../capture/superviseExecution.js';
import type { ExecutionRequest } from '../HostExecutor.js';

/**
 * The shell side of an SSH execution. Every command line sent to sshd is fixed text plus a random
 * hex id: environment values, the workdir and the command travel through the channel's stdin as a
 * job script, so they never appear on a command line, need no sshd `AcceptEnv`, and cannot change
 * the shape of anything. The execution's files live in a private directory `$TMPDIR/stepfleet-ID`.
 *
 * Main channel: {@link bootstrapCommand}. It makes sure it leads its own process group (OpenSSH
 * already runs each session in a new session; otherwise it re-executes itself under `setsid`),
 * records the group id in `pgid`, copies the `+`-prefixed job lines from stdin up to the `.` line
 * into `job`, and execs `sh job`: the job exports the variables, runs the user's shell, then sends
 * back the output file after a marker on stderr (see {@link jobHeader}). Whatever stdin follows
 * the `.` line is the command's stdin: the shell's `read` takes one byte at a time from a pipe, so
 * it never consumes more than the header.
 *
 * Side channels, only when the main channel could not finish its job: {@link killCommand}
 * (timeout/cancel: `kill -9 -PGID`), {@link collectCommand} (read `$STEPFLEET_OUTPUT` and remove
 * the directory), {@link cleanupCommand}.
 */

// One line, no single quotes and no `!`, so that any login shell (even csh) passes it through.
const BOOTSTRAP = [
  'kill -0 -$$ 2>/dev/null || exec setsid /bin/sh -c "$1" sh "$1" "$2"',
  'umask 077',
  'd="${TMPDIR:-/tmp}/stepfleet-$2"',
  'mkdir "$d" || exit 125',
  'echo $$ >"$d/pgid"',
  // The kill side writes `cancel` before reading `pgid`; we write `pgid` before reading `cancel`:
  // whichever runs second sees the other, so a kill racing the start is never lost.
  '[ -e "$d/cancel" ] && exit 125',
  'f=',
  'while IFS= read -r l; do case $l in +*) printf "%s\\n" "${l#?}";; .) f=1; break;; *) break;; esac; done >"$d/job"',
  // A header cut short (the client went away) must not run half a job.
  '[ -n "$f" ] || { echo "stepfleet: incomplete job header" >&2; exit 125; }',
  'exec /bin/sh "$d/job" "$d"',
].join('; ');

const ID = /^[0-9a-f]{8,64}$/;

function dirOf(id: string): string {
  if (!ID.test(id)) throw new Error(`invalid execution id ${id}`);
  return `"\${TMPDIR:-/tmp}/stepfleet-${id}"`;
}

/** The main channel's command line. */
export function bootstrapCommand(id: string): string {
  dirOf(id);
  return `exec /bin/sh -c ${shellQuote(BOOTSTRAP)} sh ${shellQuote(BOOTSTRAP)} ${id}`;
}

/**
 * Marks the end of the command's stderr: what follows it on the main channel's stderr is the
 * `$STEPFLEET_OUTPUT` file. It carries the execution's random id, so nothing but this execution's
 * own job writes it.
 */
export function outputMarker(id: string): string {
  dirOf(id);
  return `\u001estepfleet-output-${id}\u001e`;
}

/**
 * The job script, framed for the bootstrap: every line prefixed with `+`, then a `.` line. The
 * request's stdin, if any, is written after it.
 *
 * The job runs the user's shell as a child (it inherits the rest of stdin), then writes
 * {@link outputMarker} and the first `limitBytes + 1` bytes of the output file to stderr, removes
 * the execution's directory and ends as its child did: with its exit status, or by the same
 * signal. Outputs thus come back on the command's own channel, with no second session per host.
 * (An exit status above 128 is reported as the matching signal, as a shell cannot tell the two
 * apart.)
 */
export function jobHeader(request: ExecutionRequest, id: string, limitBytes: number): string {
  const lines = [
    // The job holds the environment (maybe secrets): the shell has it open, so it can go now.
    'rm -f "$1/job"',
    ...Object.entries(request.env).map(([name, value]) => `${name}=${shellQuote(value)}; export ${name}`),
    // Set last, so a request variable of the same name cannot redirect it.
    'STEPFLEET_OUTPUT="$1/output"; export STEPFLEET_OUTPUT',
    ': >"$STEPFLEET_OUTPUT"',
  ];
  if (request.workdir !== undefined) lines.push(`cd ${shellQuote(request.workdir)} || exit 1`);
  lines.push(
    shellArgv(request.shell, request.command).map(shellQuote).join(' '),
    'rc=$?',
    `printf '%s' ${shellQuote(outputMarker(id))} >&2`,
    `head -c ${Math.floor(limitBytes) + 1} "$1/output" >&2`,
    'cd / && rm -rf "$1"',
    '[ $rc -gt 128 ] && [ $rc -lt 160 ] && kill -$((rc - 128)) $$',
    'exit $rc',
  );
  const script = lines.join('\n');
  return `${script
    .split('\n')
    .map((line) => `+${line}`)
    .join('\n')}\n.\n`;
}

/**
 * Kills the execution's process group. Creates the directory if the bootstrap has not yet, so a
 * bootstrap that starts after the kill finds it taken and runs nothing.
 */
export function killCommand(id: string): string {
  const d = dirOf(id);
  const script = `d=${d}; mkdir "$d" 2>/dev/null; : >"$d/cancel"; p=$(cat "$d/pgid" 2>/dev/null); [ "$p" -gt 1 ] 2>/dev/null && kill -9 -$p; exit 0`;
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

/** Prints at most `limitBytes` of the output file, then removes the execution's directory. */
export function collectCommand(id: string, limitBytes: number): string {
  const d = dirOf(id);
  const script = `d=${d}; head -c ${Math.floor(limitBytes)} "$d/output" 2>/dev/null; rm -rf "$d"`;
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

/** Removes the execution's directory. */
export function cleanupCommand(id: string): string {
  return `exec /bin/sh -c ${shellQuote(`rm -rf ${dirOf(id)}`)}`;
}
