import { shellQuote } from '../../vars/index.js';
import { shellInvocation } from '../capture/superviseExecution.js';
import type { ExecutionRequest } from '../HostExecutor.js';

/**
 * The shell side of an SSH execution. The main command line sent to sshd is fixed text: the
 * execution's random id, environment values, the workdir and the command travel through the
 * channel's stdin (the id first, then a job script), so they never appear on a command line (where
 * `ps` shows them to every user of the host), need no sshd `AcceptEnv`, and cannot change the shape
 * of anything.
 *
 * Main channel: {@link bootstrapCommand}. It makes sure it leads its own process group (OpenSSH
 * already runs each session in a new session; otherwise it re-executes itself under `setsid`),
 * reports the group id in-band at the start of stderr ({@link pidRecord}), reads the `+`-prefixed
 * job lines from stdin up to the `.` line into a variable and evaluates it in the same shell: the
 * job exports the variables, runs the user's shell as a child, then sends back the output file
 * after a marker on stderr (see {@link jobHeader}). The job never touches the disk, so values in it
 * (maybe secrets) leave no file behind. Whatever stdin follows the `.` line is the command's stdin:
 * the shell's `read` takes one byte at a time from a pipe, so it never consumes more than the
 * header.
 *
 * Files, `$TMPDIR/stepfleet-ID.*`, only where needed: `.output` (the command's
 * `$STEPFLEET_OUTPUT`, private) when the caller collects outputs (otherwise only if the command
 * writes one, and it is removed), `.cancel` when a kill came before the group id did. A command whose outputs nobody keeps thus costs the host nothing but
 * its own process and one `sh`: each process a wrapper spawns costs every host of a fleet a fork
 * and an exec.
 *
 * Side channels, only when the main channel could not finish its job: {@link killCommand}
 * (timeout/cancel: `kill -9 -PGID`), {@link collectCommand} (read `$STEPFLEET_OUTPUT` and remove
 * the files), {@link cleanupCommand}.
 */

// One line, no single quotes and no `!`, so that any login shell (even csh) passes it through.
// The job's lines are joined with a newline taken from the shell's default IFS (space, tab,
// newline), since a literal one could not pass every login shell.
const BOOTSTRAP = [
  'kill -0 -$$ 2>/dev/null || exec setsid /bin/sh -c "$1" sh "$1"',
  'n="${IFS#??}"',
  '[ ${#IFS} -eq 3 ] && [ ${#n} -eq 1 ] || { echo "stepfleet: unexpected default IFS" >&2; exit 125; }',
  // The execution id is the first line of stdin, so that it names the files on no command line.
  'IFS= read -r i',
  'case $i in */*) i=;; esac',
  '[ ${#i} -eq 32 ] || { echo "stepfleet: bad execution id" >&2; exit 125; }',
  'd="${TMPDIR:-/tmp}/stepfleet-$i"',
  // A kill that found no group id to kill left `cancel`; one that comes after this check gets the
  // id (the client kills as soon as it arrives), so a kill racing the start is never lost.
  '[ -e "$d.cancel" ] && { rm -f "$d.cancel"; exit 125; }',
  'printf "\\036stepfleet-pid-%s:%s\\036" "$i" "$$" >&2',
  'j=',
  'f=',
  'while IFS= read -r l; do case $l in +*) j="$j${l#?}$n";; .) f=1; break;; *) break;; esac; done',
  // A header cut short (the client went away) must not run half a job.
  '[ -n "$f" ] || { echo "stepfleet: incomplete job header" >&2; exit 125; }',
  'set -- "$d"',
  'unset d n l f i',
  'eval "$j"',
].join('; ');

const ID = /^[0-9a-f]{32}$/;

/** The shell word for the execution's file prefix; `.output` and `.cancel` follow it. */
function filePrefix(id: string): string {
  if (!ID.test(id)) throw new Error(`invalid execution id ${id}`);
  return `"\${TMPDIR:-/tmp}/stepfleet-${id}"`;
}

/** The main channel's command line: fixed text (the execution id comes first on stdin). */
export function bootstrapCommand(): string {
  return `exec /bin/sh -c ${shellQuote(BOOTSTRAP)} sh ${shellQuote(BOOTSTRAP)}`;
}

/**
 * The opening and closing text of the record in which the bootstrap reports its process group id,
 * first thing on stderr (after whatever the login shell's start-up files print).
 */
export function pidRecord(id: string): { open: string; close: string } {
  filePrefix(id);
  return { open: `\u001estepfleet-pid-${id}:`, close: '\u001e' };
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
 * What the main channel's stdin starts with: the execution id on a line, then the job script,
 * every line prefixed with `+`, then a `.` line. The request's stdin, if any, is written after it.
 *
 * The job runs the user's shell as a child (it inherits the rest of stdin), then writes
 * {@link outputMarker} and, when outputs are collected, the first `limitBytes + 1` bytes of the
 * output file to stderr and removes the file; it ends as its child did: with its exit status, or
 * by the same signal. Outputs thus come back on the command's own channel, with no second session
 * per host. (An exit status above 128 is reported as the matching signal, as a shell cannot tell
 * the two apart.)
 */
export function jobHeader(request: ExecutionRequest, id: string, limitBytes: number): string {
  filePrefix(id);
  // `$1` is the file prefix: a positional parameter, so no variable of the request can redirect it.
  const collect = request.collectOutputs ?? true;
  const lines = [
    ...Object.entries(request.env).map(([name, value]) => `${name}=${shellQuote(value)}; export ${name}`),
  ];
  if (collect) {
    // Private and created exclusively (nothing planted under the name can be written through), in
    // a subshell so that the command keeps the session's own umask.
    lines.push(
      '( umask 077; set -C; : >"$1.output" ) 2>/dev/null || { echo "stepfleet: cannot create $1.output" >&2; exit 125; }',
    );
  }
  // Set after the request's variables, so one of the same name cannot redirect it. Uncollected, the
  // file is not made: the command may still write (or move) one there, and it is removed below.
  lines.push('STEPFLEET_OUTPUT="$1.output"; export STEPFLEET_OUTPUT');
  if (request.workdir !== undefined) lines.push(`cd ${shellQuote(request.workdir)} || exit 1`);
  const { argv, env } = shellInvocation(request);
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${shellQuote(value)} `);
  lines.push(`${assignments.join('')}${argv.map(shellQuote).join(' ')}`, 'rc=$?');
  const marker = `printf '%s' ${shellQuote(outputMarker(id))} >&2`;
  if (collect) {
    // The file is opened and removed before anything goes to stderr: a lost connection (SIGPIPE)
    // then leaves nothing behind. Most commands write no outputs: `-s` (a builtin) spares them `head`.
    lines.push(
      `if [ -s "$1.output" ]; then exec 3<"$1.output"; rm -f "$1.output"; ${marker}; head -c ${Math.floor(limitBytes) + 1} <&3 >&2; exec 3<&-; else rm -f "$1.output"; ${marker}; fi`,
    );
  } else {
    lines.push('{ [ -e "$1.output" ] || [ -h "$1.output" ]; } && rm -f "$1.output"', marker);
  }
  lines.push(
    // A status above 128 ends the job by the same signal, unless that signal would stop it instead.
    '[ "$rc" -gt 128 ] && [ "$rc" -lt 160 ] && case $(kill -l $((rc - 128)) 2>/dev/null) in *STOP|*TSTP|*TTIN|*TTOU) ;; *) kill -$((rc - 128)) $$;; esac',
    'exit "$rc"',
  );
  const script = lines.join('\n');
  return `${id}\n${script
    .split('\n')
    .map((line) => `+${line}`)
    .join('\n')}\n.\n`;
}

/**
 * Kills the execution's process group `pgid`. Without a group id (the bootstrap has not reported
 * one yet), leaves `cancel`, so that a bootstrap starting later runs nothing; the caller kills by
 * id once the report comes. The caller sends this only while the main channel has not reported
 * an exit, so the id is still the execution's.
 */
export function killCommand(id: string, pgid: number | undefined): string {
  const f = filePrefix(id);
  const script =
    pgid === undefined
      ? `umask 077; set -C; : >${f}.cancel 2>/dev/null; exit 0`
      : `kill -9 -${Math.floor(pgid)} 2>/dev/null; exit 0`;
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

/** Prints at most `limitBytes` of the output file, then removes the execution's files. */
export function collectCommand(id: string, limitBytes: number): string {
  const f = filePrefix(id);
  const script = `f=${f}; head -c ${Math.floor(limitBytes)} "$f.output" 2>/dev/null; rm -f "$f.output"`;
  return `exec /bin/sh -c ${shellQuote(script)}`;
}

/**
 * Removes the execution's output file, and its `cancel` mark when `withCancel` (only once the main
 * channel has ended: while it may still start, the mark must stay).
 */
export function cleanupCommand(id: string, withCancel: boolean): string {
  const f = filePrefix(id);
  return `exec /bin/sh -c ${shellQuote(`f=${f}; rm -f "$f.output"${withCancel ? ' "$f.cancel"' : ''}`)}`;
}
