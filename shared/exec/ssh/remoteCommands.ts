import { shellQuote } from '../../vars/index.js';
import { shellArgv } from '../capture/superviseExecution.js';
import type { ExecutionRequest } from '../HostExecutor.js';

/**
 * The shell side of an SSH execution. Every command line sent to sshd is fixed text plus a random
 * hex id: environment values, the workdir and the command travel through the channel's stdin as a
 * job script, so they never appear on a command line, need no sshd `AcceptEnv`, and cannot change
 * the shape of anything. The execution's files are `$TMPDIR/stepfleet-ID.pgid`, `.output` (the
 * command's `$STEPFLEET_OUTPUT`) and, after a kill, `.cancel`; all created with umask 077.
 *
 * Main channel: {@link bootstrapCommand}. It makes sure it leads its own process group (OpenSSH
 * already runs each session in a new session; otherwise it re-executes itself under `setsid`),
 * records the group id in `pgid` and creates `output`, reads the `+`-prefixed
 * job lines from stdin up to the `.` line into a variable and evaluates it in the same shell: the
 * job exports the variables, runs the user's shell as a child, then sends back the output file
 * after a marker on stderr (see {@link jobHeader}). The job never touches the disk, so values in it
 * (maybe secrets) leave no file behind. Whatever stdin follows the `.` line is the command's stdin:
 * the shell's `read` takes one byte at a time from a pipe, so it never consumes more than the
 * header.
 *
 * Every step but the user's command and one final `rm` is a shell builtin: on a fleet, each
 * process the wrapper spawns costs every host a fork and an exec (about 0.7 ms of CPU each).
 *
 * Side channels, only when the main channel could not finish its job: {@link killCommand}
 * (timeout/cancel: `kill -9 -PGID`), {@link collectCommand} (read `$STEPFLEET_OUTPUT` and remove
 * the files), {@link cleanupCommand}.
 */

// One line, no single quotes and no `!`, so that any login shell (even csh) passes it through.
// The job's lines are joined with a newline taken from the shell's default IFS (space, tab,
// newline), since a literal one could not pass every login shell.
const BOOTSTRAP = [
  'kill -0 -$$ 2>/dev/null || exec setsid /bin/sh -c "$1" sh "$1" "$2"',
  'd="${TMPDIR:-/tmp}/stepfleet-$2"',
  'n="${IFS#??}"',
  '[ ${#IFS} -eq 3 ] && [ ${#n} -eq 1 ] || { echo "stepfleet: unexpected default IFS" >&2; exit 125; }',
  // Private files, created exclusively (an id is used once; nothing planted under the name can be
  // written through), in a subshell so that the command keeps the session's own umask.
  '( umask 077; set -C; echo $$ >"$d.pgid" && : >"$d.output" ) 2>/dev/null || { echo "stepfleet: cannot create $d.pgid" >&2; exit 125; }',
  // The kill side writes `cancel` before reading `pgid`; we write `pgid` before reading `cancel`:
  // whichever runs second sees the other, so a kill racing the start is never lost.
  '[ -e "$d.cancel" ] && exit 125',
  'j=',
  'f=',
  'while IFS= read -r l; do case $l in +*) j="$j${l#?}$n";; .) f=1; break;; *) break;; esac; done',
  // A header cut short (the client went away) must not run half a job.
  '[ -n "$f" ] || { echo "stepfleet: incomplete job header" >&2; rm -f "$d.pgid" "$d.output"; exit 125; }',
  'set -- "$d"',
  'unset d n l f',
  'eval "$j"',
].join('; ');

const ID = /^[0-9a-f]{8,64}$/;

/** The shell word for the execution's file prefix; `.pgid`, `.output` and `.cancel` follow it. */
function filePrefix(id: string): string {
  if (!ID.test(id)) throw new Error(`invalid execution id ${id}`);
  return `"\${TMPDIR:-/tmp}/stepfleet-${id}"`;
}

/** The main channel's command line. */
export function bootstrapCommand(id: string): string {
  filePrefix(id);
  return `exec /bin/sh -c ${shellQuote(BOOTSTRAP)} sh ${shellQuote(BOOTSTRAP)} ${id}`;
}

/**
 * Marks the end of the command's stderr: what follows it on the main channel's stderr is the
 * `$STEPFLEET_OUTPUT` file. It carries the execution's random id, so nothing but this execution's
 * own job writes it.
 */
export function outputMarker(id: string): string {
  filePrefix(id);
  return `\u001estepfleet-output-${id}\u001e`;
}

/**
 * The job script, framed for the bootstrap: every line prefixed with `+`, then a `.` line. The
 * request's stdin, if any, is written after it.
 *
 * The job runs the user's shell as a child (it inherits the rest of stdin), then writes
 * {@link outputMarker} and the first `limitBytes + 1` bytes of the output file to stderr, removes
 * the execution's files and ends as its child did: with its exit status, or by the same
 * signal. Outputs thus come back on the command's own channel, with no second session per host.
 * (An exit status above 128 is reported as the matching signal, as a shell cannot tell the two
 * apart.)
 */
export function jobHeader(request: ExecutionRequest, id: string, limitBytes: number): string {
  // `$1` is the file prefix: a positional parameter, so no variable of the request can redirect it.
  const lines = [
    ...Object.entries(request.env).map(([name, value]) => `${name}=${shellQuote(value)}; export ${name}`),
    // Set last, so a request variable of the same name cannot redirect it.
    'STEPFLEET_OUTPUT="$1.output"; export STEPFLEET_OUTPUT',
  ];
  if (request.workdir !== undefined) lines.push(`cd ${shellQuote(request.workdir)} || exit 1`);
  lines.push(
    shellArgv(request.shell, request.command).map(shellQuote).join(' '),
    'rc=$?',
    `printf '%s' ${shellQuote(outputMarker(id))} >&2`,
    // Most commands write no outputs: `-s` (a builtin) spares them a `head` process.
    `[ -s "$1.output" ] && head -c ${Math.floor(limitBytes) + 1} "$1.output" >&2`,
    'rm -f "$1.pgid" "$1.output"',
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
 * Kills the execution's process group. Writes `cancel` first, so a bootstrap that starts after
 * the kill finds it and runs nothing.
 */
export function killCommand(id: string): string {
  const f = filePrefix(id);
  const script = `umask 077; f=${f}; : >"$f.cancel"; p=$(cat "$f.pgid" 2>/dev/null); [ "$p" -gt 1 ] 2>/dev/null && kill -9 -$p; exit 0`;
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

/** Prints at most `limitBytes` of the output file, then removes the execution's files. */
export function collectCommand(id: string, limitBytes: number): string {
  const f = filePrefix(id);
  const script = `f=${f}; head -c ${Math.floor(limitBytes)} "$f.output" 2>/dev/null; rm -f "$f.pgid" "$f.output" "$f.cancel"`;
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

/** Removes the execution's files. */
export function cleanupCommand(id: string): string {
  const f = filePrefix(id);
  return `exec /bin/sh -c ${shellQuote(`f=${f}; rm -f "$f.pgid" "$f.output" "$f.cancel"`)}`;
}
