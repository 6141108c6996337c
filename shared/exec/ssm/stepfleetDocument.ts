import { AWS_LIMITS } from '../../limits.js';

/** Name the CDK stack gives the document (`AWS::SSM::Document`) unless configured otherwise. */
export const STEPFLEET_SSM_DOCUMENT_NAME = 'stepfleet-run-command';

/**
 * First line of the document's stdout once the command has run:
 * `STEPFLEET-SSM-RESULT v1 phase=run exit=0 output=12 stdout=5/5 stderr=0/0` (`stdout=kept/total`
 * bytes). The base64 of `$STEPFLEET_OUTPUT` follows on one line, then {@link RESULT_END_LINE}, then
 * the tail of the command's stdout.
 */
export const RESULT_HEADER_PREFIX = 'STEPFLEET-SSM-RESULT v1 ';
/** Line that ends the document's result block. */
export const RESULT_END_LINE = 'STEPFLEET-SSM-RESULT-END';

/**
 * Largest `$STEPFLEET_OUTPUT` the document sends back, in bytes. Its base64 (4/3 larger) shares
 * SSM's 24,000-character stdout with the command's own output, so it stays well under half of it.
 */
export const SSM_OUTPUT_FILE_LIMIT_BYTES = 8 * 1024;

/** Room left in each SSM stream for the header and end lines, and for the agent's own stderr note. */
const PROTOCOL_RESERVE_CHARS = 512;
/** Bytes of the command's stdout the document prints at most, minus the base64 of the output file. */
export const SSM_STDOUT_BUDGET_BYTES = AWS_LIMITS.ssmStdoutChars - PROTOCOL_RESERVE_CHARS;
/** Bytes of the command's stderr the document prints at most. */
export const SSM_STDERR_BUDGET_BYTES = AWS_LIMITS.ssmStderrChars - PROTOCOL_RESERVE_CHARS;

/**
 * Patterns SSM checks each parameter against before it accepts a SendCommand. The executor checks
 * the same patterns first so that a bad request fails with a clear message, not `InvalidParameters`.
 */
export const DOCUMENT_PARAMETER_PATTERNS = {
  /** `NAME=BASE64 NAME=BASE64 …`: names are POSIX names, values base64 (no whitespace, no quotes). */
  env: '^([A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9+/=]*( [A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9+/=]*)*)?$',
  /** Base64 of the bytes given to the command's stdin. */
  stdin: '^[A-Za-z0-9+/=]*$',
  /** A shell path or name plus options (`/bin/bash -eo pipefail`): split on spaces, never globbed. */
  shell: '^[A-Za-z0-9_./+-]+( [A-Za-z0-9_./+=-]+)*$',
  /** Whole seconds, 1 … 172800, as `AWS-RunShellScript` accepts. */
  executionTimeout: '^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[01][0-9]{3}|172[0-7][0-9]{2}|172800)$',
} as const;

/**
 * The document's script. It is fixed text: every request value reaches it as an environment
 * variable (`SSM_command`, …; `interpolationType: ENV_VAR`), so no value is ever parsed as script,
 * and the document holds no `{{ }}` in its script at all (an agent too old to set the variables is
 * refused, not given a textual fallback). What it does:
 *
 * 1. decodes stdin and the environment (base64, so any byte but NUL survives), before any user
 *    variable (PATH!) is in effect; internal variables are `_sf_*`, which requests may not use;
 * 2. creates a private temp dir with an empty `$STEPFLEET_OUTPUT`, `cd`s to the workdir, and runs
 *    `$shell -c "$command"` in a subshell with the user's variables, its stdout and stderr going
 *    to files;
 * 3. prints a result block first (so SSM's 24,000-character cut can never reach it), then the
 *    tails of stdout and stderr sized to fit what SSM keeps: DESIGN §5 wants the tail, and SSM
 *    would otherwise keep the head. Exact byte counts go in the header.
 */
export const STEPFLEET_SSM_SCRIPT: readonly string[] = [
  '# stepfleet: run one command; parameters arrive as environment variables, never as script text.',
  'set -f',
  'umask 077',
  'if [ -z "${SSM_command+x}" ]; then',
  "  echo 'stepfleet: this SSM Agent does not pass document parameters as environment variables; update it to 3.3.2746.0 or later' >&2",
  '  exit 125',
  'fi',
  '_sf_command=$SSM_command',
  '_sf_workdir=${SSM_workdir-}',
  '_sf_env=${SSM_env-}',
  '_sf_stdin=${SSM_stdin-}',
  '_sf_shell=${SSM_shell:-/bin/sh}',
  'unset SSM_command SSM_workdir SSM_env SSM_stdin SSM_shell',
  '_sf_fail() { echo "stepfleet: $1" >&2; exit 125; }',
  '_sf_dir=$(mktemp -d "${TMPDIR:-/tmp}/stepfleet.XXXXXXXXXX") || _sf_fail "cannot create a temporary directory"',
  'trap \'rm -rf "$_sf_dir"\' EXIT',
  "trap 'exit 143' HUP INT TERM",
  ': > "$_sf_dir/output" || _sf_fail "cannot create the output file"',
  'printf \'%s\' "$_sf_stdin" | base64 -d > "$_sf_dir/stdin" || _sf_fail "cannot decode stdin (is base64 installed?)"',
  'set --',
  'for _sf_pair in $_sf_env; do',
  '  _sf_value=$(printf \'%s\' "${_sf_pair#*=}" | base64 -d && echo x) || _sf_fail "cannot decode environment variable ${_sf_pair%%=*}"',
  '  set -- "$@" "${_sf_pair%%=*}" "${_sf_value%x}"',
  'done',
  'if [ -n "$_sf_workdir" ] && ! cd -- "$_sf_workdir" 2> "$_sf_dir/stderr"; then',
  '  _sf_phase=workdir',
  '  _sf_status=125',
  '  : > "$_sf_dir/stdout"',
  'else',
  '  _sf_phase=run',
  '  (',
  '    while [ "$#" -gt 1 ]; do export "$1=$2"; shift 2; done',
  '    export STEPFLEET_OUTPUT="$_sf_dir/output"',
  '    unset IFS',
  '    exec $_sf_shell -c "$_sf_command"',
  '  ) < "$_sf_dir/stdin" > "$_sf_dir/stdout" 2> "$_sf_dir/stderr"',
  '  _sf_status=$?',
  'fi',
  '_sf_bytes() { wc -c < "$1" | tr -d \' \\t\'; }',
  '_sf_output_bytes=$(_sf_bytes "$_sf_dir/output")',
  '_sf_stdout_bytes=$(_sf_bytes "$_sf_dir/stdout")',
  '_sf_stderr_bytes=$(_sf_bytes "$_sf_dir/stderr")',
  '_sf_output=',
  `if [ "$_sf_output_bytes" -le ${SSM_OUTPUT_FILE_LIMIT_BYTES} ]; then _sf_output=$(base64 < "$_sf_dir/output" | tr -d '\\n'); fi`,
  `_sf_stdout_keep=$((${SSM_STDOUT_BUDGET_BYTES} - \${#_sf_output}))`,
  'if [ "$_sf_stdout_keep" -gt "$_sf_stdout_bytes" ]; then _sf_stdout_keep=$_sf_stdout_bytes; fi',
  `_sf_stderr_keep=${SSM_STDERR_BUDGET_BYTES}`,
  'if [ "$_sf_stderr_keep" -gt "$_sf_stderr_bytes" ]; then _sf_stderr_keep=$_sf_stderr_bytes; fi',
  `printf '${RESULT_HEADER_PREFIX}phase=%s exit=%s output=%s stdout=%s/%s stderr=%s/%s\\n' "$_sf_phase" "$_sf_status" "$_sf_output_bytes" "$_sf_stdout_keep" "$_sf_stdout_bytes" "$_sf_stderr_keep" "$_sf_stderr_bytes"`,
  `printf '%s\\n${RESULT_END_LINE}\\n' "$_sf_output"`,
  'if [ "$_sf_stdout_keep" -gt 0 ]; then tail -c "$_sf_stdout_keep" "$_sf_dir/stdout"; fi',
  'if [ "$_sf_stderr_keep" -gt 0 ]; then tail -c "$_sf_stderr_keep" "$_sf_dir/stderr" >&2; fi',
  'exit "$_sf_status"',
];

/** Parameter names of the document, as the executor sends them. */
export type StepfleetDocumentParameter =
  | 'command'
  | 'workdir'
  | 'env'
  | 'stdin'
  | 'shell'
  | 'executionTimeout';

/**
 * The stepfleet Command document (schemaVersion 2.2, one `aws:runShellScript` step). The CDK stack
 * deploys it as `AWS::SSM::Document` (`DocumentType: Command`, `Content` = this object) under
 * {@link STEPFLEET_SSM_DOCUMENT_NAME}; {@link SsmExecutor} sends it.
 *
 * `executionTimeout` is the only parameter interpolated as text, into the step's `timeoutSeconds`
 * (not into the script), and its pattern admits digits only.
 */
export const STEPFLEET_SSM_DOCUMENT = {
  schemaVersion: '2.2',
  description:
    'stepfleet: runs one command with its environment and working directory, and reports its ' +
    '$STEPFLEET_OUTPUT values, exit code and output tails in a result block on stdout.',
  parameters: {
    command: {
      type: 'String',
      description: 'Command text, run as `$shell -c "$command"`.',
      interpolationType: 'ENV_VAR',
    },
    workdir: {
      type: 'String',
      description: 'Working directory; empty for the agent default.',
      default: '',
      interpolationType: 'ENV_VAR',
    },
    env: {
      type: 'String',
      description: 'Environment variables as space-separated NAME=BASE64VALUE words.',
      default: '',
      interpolationType: 'ENV_VAR',
      allowedPattern: DOCUMENT_PARAMETER_PATTERNS.env,
    },
    stdin: {
      type: 'String',
      description: "Base64 of the command's standard input.",
      default: '',
      interpolationType: 'ENV_VAR',
      allowedPattern: DOCUMENT_PARAMETER_PATTERNS.stdin,
    },
    shell: {
      type: 'String',
      description: 'Shell and its options, split on spaces.',
      default: '/bin/sh',
      interpolationType: 'ENV_VAR',
      allowedPattern: DOCUMENT_PARAMETER_PATTERNS.shell,
    },
    executionTimeout: {
      type: 'String',
      description: 'Seconds the command may run before the agent stops it.',
      default: '3600',
      allowedPattern: DOCUMENT_PARAMETER_PATTERNS.executionTimeout,
    },
  } satisfies Record<StepfleetDocumentParameter, object>,
  mainSteps: [
    {
      action: 'aws:runShellScript',
      name: 'runStepfleetCommand',
      inputs: {
        timeoutSeconds: '{{ executionTimeout }}',
        runCommand: STEPFLEET_SSM_SCRIPT,
      },
    },
  ],
} as const;
