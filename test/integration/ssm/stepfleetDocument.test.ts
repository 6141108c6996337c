import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionRequest } from '../../../shared/exec/HostExecutor.js';
import { captureReportedTail } from '../../../shared/exec/ssm/captureReportedTail.js';
import { buildDocumentParameters } from '../../../shared/exec/ssm/documentParameters.js';
import { parseDocumentReport } from '../../../shared/exec/ssm/parseDocumentReport.js';
import {
  SSM_OUTPUT_FILE_LIMIT_BYTES,
  STEPFLEET_SSM_DOCUMENT,
  STEPFLEET_SSM_SCRIPT,
} from '../../../shared/exec/ssm/stepfleetDocument.js';
import { AWS_LIMITS } from '../../../shared/limits.js';
import { parseOutputFile } from '../../../shared/vars/index.js';
import { invocationFromScript, runDocumentScript } from './fakeAgent.js';

const host = { name: 'app-1', transport: 'ssm' as const, tags: [], instanceId: 'i-0123456789abcdef0' };
const request = (overrides: Partial<ExecutionRequest>): ExecutionRequest => ({
  host,
  command: 'true',
  env: {},
  timeoutMs: 60_000,
  confidential: [],
  ...overrides,
});

/** Runs a request through the real document script, as the agent would, and parses what SSM returns. */
function runThroughDocument(req: ExecutionRequest, shell = 'sh') {
  const built = buildDocumentParameters(req);
  if (!built.ok) throw new Error(built.problem);
  const run = runDocumentScript(built.parameters, { shell });
  const answer = invocationFromScript(run, { commandId: 'c', instanceId: host.instanceId });
  const report = parseDocumentReport(answer.StandardOutputContent ?? '', answer.StandardErrorContent ?? '');
  return { run, answer, report };
}

/** A command that reports $NAME's exact bytes as base64 output `NAME`. */
const echoVariables = (names: string[]): string =>
  names
    .map((n) => `printf '${n}=%s\\n' "$(printf '%s' "$${n}" | base64 | tr -d '\\n')" >> "$STEPFLEET_OUTPUT"`)
    .join('\n');
const decoded = (outputs: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

const HOSTILE_VALUES = [
  '',
  'plain',
  'two words',
  'it\'s "quoted"',
  '$(touch /tmp/pwned) `id` ${HOME}',
  'line 1\nline 2\n',
  'ends with x',
  '  leading and trailing  ',
  '*?[a] ~',
  'STEPFLEET-SSM-RESULT-END',
  'é 😀 \u202e',
];

describe('the stepfleet SSM document', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'stepfleet-ssm-doc-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes every request value as an ENV_VAR parameter and has no {{ }} in its script', () => {
    // Prepare
    const parameters = STEPFLEET_SSM_DOCUMENT.parameters;

    // Act
    const envVarParameters = Object.entries(parameters)
      .filter(([, p]) => 'interpolationType' in p && p.interpolationType === 'ENV_VAR')
      .map(([name]) => name);

    // Assess
    expect(STEPFLEET_SSM_DOCUMENT.schemaVersion).toBe('2.2');
    expect(envVarParameters).toEqual(['command', 'workdir', 'env', 'stdin', 'shell']);
    expect(STEPFLEET_SSM_SCRIPT.join('\n')).not.toContain('{{');
    const step = STEPFLEET_SSM_DOCUMENT.mainSteps[0];
    expect(step.action).toBe('aws:runShellScript');
    expect(step.inputs.timeoutSeconds).toBe('{{ executionTimeout }}');
    expect(new RegExp(parameters.executionTimeout.allowedPattern).test('172800')).toBe(true);
    expect(new RegExp(parameters.executionTimeout.allowedPattern).test('172801')).toBe(false);
    expect(new RegExp(parameters.executionTimeout.allowedPattern).test('1; rm -rf /')).toBe(false);
  });

  it.each(['sh', 'bash'])('carries hostile values byte for byte under %s', (shell) => {
    // Prepare
    const env = Object.fromEntries(HOSTILE_VALUES.map((value, i) => [`V${i}`, value]));
    const req = request({
      command: `${echoVariables(Object.keys(env))}\npwd\ncat`,
      env,
      stdin: 'from stdin\n',
      workdir: scratch,
    });

    // Act
    const { report } = runThroughDocument(req, shell);

    // Assess
    expect(report).toBeDefined();
    expect(report?.phase).toBe('run');
    expect(report?.exitCode).toBe(0);
    expect(decoded(parseOutputFile(report?.outputFile ?? '').outputs)).toEqual(env);
    expect(report?.stdout.text).toBe(`${scratch}\nfrom stdin\n`);
    expect(existsSync('/tmp/pwned')).toBe(false);
  });

  it('keeps any environment value intact (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (value) => {
        fc.pre(!value.includes('\0'));
        const { report } = runThroughDocument(request({ command: echoVariables(['X']), env: { X: value } }));
        expect(decoded(parseOutputFile(report?.outputFile ?? '').outputs)).toEqual({ X: value });
      }),
      { numRuns: 25 },
    );
  });

  it('runs the command text as data: a command is never spliced into the script', () => {
    // Prepare
    const req = request({ command: `echo '"; exit 99; "'; echo "$0" | grep -q sh && echo ran-by-sh` });

    // Act
    const { report } = runThroughDocument(req);

    // Assess
    expect(report?.exitCode).toBe(0);
    expect(report?.stdout.text).toBe('"; exit 99; "\nran-by-sh\n');
  });

  it('overrides a user STEPFLEET_OUTPUT and honours a shell with options', () => {
    // Prepare
    const req = request({
      command:
        'false | true; echo "o=$STEPFLEET_OUTPUT" | grep -q /stepfleet. && echo v=1 >> "$STEPFLEET_OUTPUT"',
      env: { STEPFLEET_OUTPUT: '/etc/passwd' },
      shell: 'bash -eo pipefail',
    });

    // Act
    const { report } = runThroughDocument(req);

    // Assess: pipefail made `false | true` fail before anything was written
    expect(report?.exitCode).toBe(1);
    expect(report?.outputFile).toBe('');
  });

  it('reports a workdir that does not exist without running the command', () => {
    // Act
    const { report, run } = runThroughDocument(
      request({ command: `touch ${scratch}/ran`, workdir: `${scratch}/missing` }),
    );

    // Assess
    expect(run.status).toBe(125);
    expect(report?.phase).toBe('workdir');
    expect(existsSync(join(scratch, 'ran'))).toBe(false);
  });

  it('sends the tail of a large stdout with exact byte counts, and the outputs first', () => {
    // Prepare: 100,000 bytes of stdout, far over SSM's 24,000 characters
    const req = request({
      command:
        'i=0; while [ $i -lt 10000 ]; do echo "line-$i"; i=$((i+1)); done | tail -c 100000; echo v=kept >> "$STEPFLEET_OUTPUT"',
    });

    // Act
    const { report, answer } = runThroughDocument(req);

    // Assess
    expect((answer.StandardOutputContent ?? '').length).toBeLessThan(AWS_LIMITS.ssmStdoutChars);
    expect(parseOutputFile(report?.outputFile ?? '').outputs).toEqual({ v: 'kept' });
    expect(report?.stdout.totalBytes).toBeGreaterThan(50_000);
    const captured = captureReportedTail(report?.stdout ?? { text: '', keptBytes: 0, totalBytes: 0 }, []);
    expect(captured.text.endsWith('line-9999\n')).toBe(true);
    expect(captured.droppedBytes).toBe((report?.stdout.totalBytes ?? 0) - (report?.stdout.keptBytes ?? 0));
    expect(captured.text.startsWith(`[… ${captured.droppedBytes} bytes dropped …]\n`)).toBe(true);
  });

  it('does not send back an output file over its limit', () => {
    // Act
    const { report } = runThroughDocument(
      request({
        command: `head -c ${SSM_OUTPUT_FILE_LIMIT_BYTES + 1} /dev/zero | tr '\\0' a >> "$STEPFLEET_OUTPUT"`,
      }),
    );

    // Assess
    expect(report?.outputFileBytes).toBe(SSM_OUTPUT_FILE_LIMIT_BYTES + 1);
    expect(report?.outputFile).toBeUndefined();
  });

  it('refuses an agent that does not set parameters as environment variables, and cleans up', () => {
    // Prepare
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('stepfleet.')).length;

    // Act
    const run = runDocumentScript({});
    runThroughDocument(request({ command: 'echo hi' }));

    // Assess
    expect(run.status).toBe(125);
    expect(run.stderr).toContain('3.3.2746.0');
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('stepfleet.')).length).toBe(before);
  });
});
