import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../../shared/exec/local/LocalExecutor.js';
import { LOCAL_HOST } from '../../../shared/inventory/Host.js';
import { execRequest, uniqueSleepSeconds, untilNone } from '../../support/fleet-requests.js';
import { hostileString } from '../../support/hostileString.js';

const run = promisify(execFile);

/** PIDs on this machine whose command line matches `pattern` (pgrep exits 1 on no match). */
async function processesMatching(pattern: string): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-f', pattern]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

describe('LocalExecutor', () => {
  const local = new LocalExecutor();
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'stepfleet-local-test-'));
  });

  afterAll(async () => {
    await local.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('reports exit codes, streams, outputs and environment', async () => {
    // Prepare
    const command = [
      'echo "out-$N"',
      'echo "err-$N" >&2',
      'echo "n=$N" >> "$STEPFLEET_OUTPUT"',
      'printf "multi<<X\\na\\nb\\nX\\n" >> "$STEPFLEET_OUTPUT"',
      'exit $N',
    ].join('\n');

    // Act
    const results = await Promise.all(
      [0, 1, 7].map((n) => local.run(execRequest(LOCAL_HOST, command, { env: { N: String(n) } }))),
    );

    // Assess
    expect(results.map((r) => [r.status, r.exitCode, r.signal, r.error])).toEqual([
      ['success', 0, null, null],
      ['failed', 1, null, 'local: exited with code 1'],
      ['failed', 7, null, 'local: exited with code 7'],
    ]);
    results.forEach((result, i) => {
      const n = [0, 1, 7][i];
      expect(result.stdout).toEqual({ text: `out-${n}\n`, droppedBytes: 0 });
      expect(result.stderr).toEqual({ text: `err-${n}\n`, droppedBytes: 0 });
      expect(result.outputs).toEqual({ n: String(n), multi: 'a\nb' });
    });
  });

  it('passes stdin, workdir and shell, and removes its output file afterwards', async () => {
    // Act
    const result = await local.run(
      execRequest(LOCAL_HOST, 'pwd; cat; echo "$0"; echo "file=$STEPFLEET_OUTPUT" >> "$STEPFLEET_OUTPUT"', {
        stdin: 'piped\n',
        workdir: scratch,
        shell: 'bash',
      }),
    );

    // Assess
    expect(result.status).toBe('success');
    expect(result.stdout.text).toBe(`${scratch}\npiped\nbash\n`);
    expect(existsSync(result.outputs.file ?? '/')).toBe(false);
  });

  it('keeps a confidential value in the command text off the command line, and runs it the same', async () => {
    // Prepare: the value reached the command through a ${{ }} reference; `ps` shows every user
    // of the machine the command line of the shell that runs it.
    const value = 's3cr3t-canary-value';
    const probe = `x=${value}; echo "$x" | wc -c; ps -o args= -p $$ | grep -c 'canary-val[u]e'`;

    // Act
    const hidden = await local.run(execRequest(LOCAL_HOST, probe, { confidential: [value] }));
    const plain = await local.run(execRequest(LOCAL_HOST, probe));

    // Assess: the same command, with and without the value marked confidential.
    expect(hidden.stdout.text).toBe(`${value.length + 1}\n0\n`);
    expect(plain.stdout.text).toBe(`${value.length + 1}\n1\n`);
  });

  it('fails without running when the workdir does not exist', async () => {
    // Prepare
    const marker = join(scratch, 'ran');

    // Act
    const result = await local.run(execRequest(LOCAL_HOST, `touch ${marker}`, { workdir: '/no/such/dir' }));

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toContain('local: cannot start /bin/sh in /no/such/dir');
    expect(existsSync(marker)).toBe(false);
  });

  it('keeps the good lines of a sloppy $STEPFLEET_OUTPUT and notes the bad ones on stderr', async () => {
    // Act
    const result = await local.run(
      execRequest(
        LOCAL_HOST,
        'echo "not an output" >> "$STEPFLEET_OUTPUT"; echo ok=1 >> "$STEPFLEET_OUTPUT"',
      ),
    );

    // Assess
    expect(result).toMatchObject({ status: 'success', exitCode: 0, outputs: { ok: '1' } });
    expect(result.stderr.text).toMatch(/^\[stepfleet\] \$STEPFLEET_OUTPUT: Line 1 .*\n$/);
  });

  it('times out and kills the whole process group', async () => {
    // Prepare
    const seconds = uniqueSleepSeconds();
    const started = Date.now();

    // Act
    const result = await local.run(
      execRequest(LOCAL_HOST, `sleep ${seconds} & (sleep ${seconds}) & sleep ${seconds}; wait`, {
        timeoutMs: 1_000,
      }),
    );

    // Assess
    expect(result).toMatchObject({ status: 'timed_out', exitCode: null, signal: 'SIGKILL' });
    expect(result.error).toBe('local: timed out after 1s; the process group was killed');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await untilNone(() => processesMatching(`sleep ${seconds}`))).toEqual([]);
  });

  it('cancels on abort and kills the whole process group', async () => {
    // Prepare
    const seconds = uniqueSleepSeconds();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);

    // Act
    const result = await local.run(
      execRequest(LOCAL_HOST, `sleep ${seconds} & sleep ${seconds}`, { signal: controller.signal }),
    );

    // Assess
    expect(result.status).toBe('cancelled');
    expect(await untilNone(() => processesMatching(`sleep ${seconds}`))).toEqual([]);
  });

  it('does not start a request that is already cancelled', async () => {
    // Prepare
    const marker = join(scratch, 'cancelled-ran');

    // Act
    const result = await local.run(
      execRequest(LOCAL_HOST, `touch ${marker}`, { signal: AbortSignal.abort() }),
    );

    // Assess
    expect(result).toMatchObject({ status: 'cancelled', error: 'local: cancelled before it started' });
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an invalid environment name instead of running', async () => {
    const result = await local.run(execRequest(LOCAL_HOST, 'true', { env: { 'BAD-NAME': 'x' } }));
    expect(result.status).toBe('failed');
    expect(result.error).toBe(
      'local: environment variable name "BAD-NAME" is not a valid name; nothing was run',
    );
  });

  it('masks a confidential value split across two writes', async () => {
    // Act
    const result = await local.run(
      execRequest(LOCAL_HOST, `printf 'x %s' "$A"; sleep 0.2; printf '%s y' "$B"`, {
        env: { A: 'pass', B: 'word123' },
        confidential: ['password123'],
      }),
    );

    // Assess
    expect(result.stdout.text).toBe('x *** y');
  });

  it('passes any environment value through unchanged (property, 200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString(), async (value) => {
        const result = await local.run(
          execRequest(LOCAL_HOST, 'printf "%s" "$VALUE"', { env: { VALUE: value } }),
        );
        expect(result.stdout.text).toBe(value);
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});
