import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  InvalidInstanceId,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionRequest, ExecutionStatus } from '../../../shared/exec/HostExecutor.js';
import { buildDocumentParameters } from '../../../shared/exec/ssm/documentParameters.js';
import type { RetryClock } from '../../../shared/exec/ssm/retryThrottled.js';
import { SsmExecutor } from '../../../shared/exec/ssm/SsmExecutor.js';
import { SSM_INVOCATION_STATES } from '../../../shared/exec/ssm/ssmInvocationStatus.js';
import {
  SSM_STDOUT_BUDGET_BYTES,
  STEPFLEET_SSM_DOCUMENT_NAME,
} from '../../../shared/exec/ssm/stepfleetDocument.js';
import type { Host } from '../../../shared/inventory/Host.js';
import { invocationFromScript, runDocumentScript } from './fakeAgent.js';

const INSTANCE = 'i-0123456789abcdef0';
const COMMAND_ID = '9b2d3f4e-0000-4000-8000-000000000001';
const HOST: Host = { name: 'app-1', transport: 'ssm', tags: ['app'], instanceId: INSTANCE };
const T0 = Date.parse('2025-06-01T12:00:00.000Z');

/** A clock that never waits: sleeping moves time on. Records every sleep. */
function fakeClock(): RetryClock & { sleeps: number[]; advance(ms: number): void } {
  let now = T0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    random: () => 0.5,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

const request = (overrides: Partial<ExecutionRequest> = {}): ExecutionRequest => ({
  host: HOST,
  command: 'echo hi',
  env: { LOG_LEVEL: 'info' },
  timeoutMs: 60_000,
  confidential: [],
  ...overrides,
});

/** The document's answer for a command that printed `stdout`, wrote `outputs` and exited with `exit`. */
function reported(
  state: { Status: string; StatusDetails: string },
  body: { exit?: number; stdout?: string; stderr?: string; output?: string } = {},
): GetCommandInvocationCommandOutput {
  const stdout = body.stdout ?? '';
  const stderr = body.stderr ?? '';
  const output = body.output ?? '';
  const encoded = Buffer.from(output).toString('base64');
  const sizes = (s: string) => `${Buffer.byteLength(s)}/${Buffer.byteLength(s)}`;
  return {
    $metadata: {},
    CommandId: COMMAND_ID,
    InstanceId: INSTANCE,
    Status: state.Status as GetCommandInvocationCommandOutput['Status'],
    StatusDetails: state.StatusDetails,
    ResponseCode: body.exit ?? 0,
    StandardOutputContent:
      `STEPFLEET-SSM-RESULT v1 phase=run exit=${body.exit ?? 0} output=${Buffer.byteLength(output)} ` +
      `stdout=${sizes(stdout)} stderr=${sizes(stderr)}\n${encoded}\nSTEPFLEET-SSM-RESULT-END\n${stdout}`,
    StandardErrorContent: stderr,
  };
}

const inProgress: GetCommandInvocationCommandOutput = {
  $metadata: {},
  Status: 'InProgress',
  StatusDetails: 'InProgress',
  ResponseCode: -1,
  StandardOutputContent: '',
  StandardErrorContent: '',
};

const throttled = () =>
  new ThrottlingException({
    message: 'Rate exceeded',
    Message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });

describe('SsmExecutor', () => {
  const ssm = mockClient(SSMClient);
  const client = new SSMClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  let clock: ReturnType<typeof fakeClock>;
  let executor: SsmExecutor;

  beforeEach(() => {
    ssm.reset();
    clock = fakeClock();
    executor = new SsmExecutor(client, { clock });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: COMMAND_ID } });
    ssm.on(CancelCommandCommand).resolves({});
  });
  afterAll(() => ssm.restore());

  it('sends the stepfleet document and polls the invocation with exact requests', async () => {
    // Prepare
    ssm
      .on(GetCommandInvocationCommand)
      .resolvesOnce(inProgress)
      .resolves(
        reported({ Status: 'Success', StatusDetails: 'Success' }, { stdout: 'hi\n', output: 'v=1\n' }),
      );

    // Act
    const result = await executor.run(request({ workdir: '/opt/app', stdin: 'in', timeoutMs: 90_500 }));

    // Assess
    expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input)).toEqual([
      {
        DocumentName: STEPFLEET_SSM_DOCUMENT_NAME,
        InstanceIds: [INSTANCE],
        TimeoutSeconds: 91,
        Parameters: {
          command: ['echo hi'],
          workdir: ['/opt/app'],
          env: [`LOG_LEVEL=${Buffer.from('info').toString('base64')}`],
          stdin: [Buffer.from('in').toString('base64')],
          shell: ['/bin/sh'],
          executionTimeout: ['91'],
        },
      },
    ]);
    expect(ssm.commandCalls(GetCommandInvocationCommand).map((c) => c.args[0].input)).toEqual([
      { CommandId: COMMAND_ID, InstanceId: INSTANCE },
      { CommandId: COMMAND_ID, InstanceId: INSTANCE },
    ]);
    expect(ssm.commandCalls(CancelCommandCommand)).toHaveLength(0);
    // equal jitter with random 0.5: 3/4 of 500 ms, then of 800 ms
    expect(clock.sleeps).toEqual([375, 600]);
    expect(result).toEqual({
      status: 'success',
      exitCode: 0,
      signal: null,
      stdout: { text: 'hi\n', droppedBytes: 0 },
      stderr: { text: '', droppedBytes: 0 },
      outputs: { v: '1' },
      error: null,
      startedAt: '2025-06-01T12:00:00.000Z',
      durationMs: 975,
    });
  });

  it('runs a request end to end through the real document script', async () => {
    // Prepare: the "agent" runs the script with the parameters SendCommand carried
    let answer: GetCommandInvocationCommandOutput | undefined;
    ssm.on(SendCommandCommand).callsFake((input: { Parameters: Record<string, string[]> }) => {
      answer = invocationFromScript(runDocumentScript(input.Parameters), {
        commandId: COMMAND_ID,
        instanceId: INSTANCE,
      });
      return { Command: { CommandId: COMMAND_ID } };
    });
    ssm.on(GetCommandInvocationCommand).callsFake(() => answer);
    const command =
      'echo "token is $TOKEN_ID"; echo oops >&2; echo "artifact=app-$V.tgz" >> "$STEPFLEET_OUTPUT"; exit 3';

    // Act
    const result = await executor.run(
      request({ command, env: { V: '1.4.2', TOKEN_ID: 'public-id' }, confidential: ['hunter2'] }),
    );

    // Assess: the agent's own "failed to run commands" note is not part of stderr
    expect(result.status).toBe('failed');
    expect(result.exitCode).toBe(3);
    expect(result.error).toBe('app-1: exited with code 3');
    expect(result.stdout).toEqual({ text: 'token is public-id\n', droppedBytes: 0 });
    expect(result.stderr).toEqual({ text: 'oops\n', droppedBytes: 0 });
    expect(result.outputs).toEqual({ artifact: 'app-1.4.2.tgz' });
  });

  it('masks confidential values the host prints, also across the cut of a long stdout', async () => {
    // Prepare: the secret is read on the host itself and printed, once inside the tail and once
    // exactly where the document cuts the stream
    const secret = 'hunter2-s3cret';
    let answer: GetCommandInvocationCommandOutput | undefined;
    ssm.on(SendCommandCommand).callsFake((input: { Parameters: Record<string, string[]> }) => {
      answer = invocationFromScript(runDocumentScript(input.Parameters), {
        commandId: COMMAND_ID,
        instanceId: INSTANCE,
      });
      return { Command: { CommandId: COMMAND_ID } };
    });
    ssm.on(GetCommandInvocationCommand).callsFake(() => answer);
    const keep = SSM_STDOUT_BUDGET_BYTES; // with an empty output file, all of it goes to stdout
    const command = [
      `S=$(printf '%s' ${Buffer.from(secret).toString('base64')} | base64 -d)`,
      `head -c 30000 /dev/zero | tr '\\0' x`,
      // the cut falls 4 bytes into this copy of the secret
      `printf '%s' "$S"`,
      `head -c ${keep - secret.length + 4 - (secret.length + 3)} /dev/zero | tr '\\0' y`,
      `printf '%s\\n' "<$S>"`,
    ].join('\n');

    // Act
    const result = await executor.run(request({ command, env: {}, confidential: [secret] }));

    // Assess
    expect(result.status).toBe('success');
    expect(result.stdout.text).not.toContain('ret');
    expect(result.stdout.text).not.toContain(secret.slice(4));
    expect(result.stdout.text).toMatch(/^\[… \d+ bytes dropped …\]\ny+<\*\*\*>\n$/);
    const [, dropped] = /^\[… (\d+) bytes/.exec(result.stdout.text) ?? [];
    expect(result.stdout.droppedBytes).toBe(Number(dropped));
    expect(result.stdout.droppedBytes).toBe(30_000 + 4 + secret.length - 1);
  });

  it.each([
    ['Pending', 'Pending', undefined],
    ['InProgress', 'In Progress', undefined],
    ['Delayed', 'Delayed', undefined],
    ['Cancelling', 'Cancelling', undefined],
    ['Success', 'Success', 'success'],
    ['Failed', 'Failed', 'failed'],
    ['TimedOut', 'Execution Timed Out', 'timed_out'],
    ['TimedOut', 'ExecutionTimedOut', 'timed_out'],
    ['TimedOut', '', 'timed_out'],
    ['TimedOut', 'Delivery Timed Out', 'unreachable'],
    ['Failed', 'Undeliverable', 'unreachable'],
    ['Failed', 'Access Denied', 'unreachable'],
    ['Cancelled', 'Cancelled', 'cancelled'],
    ['Cancelled', 'Canceled', 'cancelled'],
    ['Failed', 'Terminated', 'failed'],
    ['Failed', 'Incomplete', 'failed'],
    ['Failed', 'Invalid Platform', 'failed'],
    ['Failed', 'Rate Exceeded', 'failed'],
    ['Failed', 'No Instances In Tag', 'failed'],
    ['Success', 'Exploded', 'failed'],
    ['Quantum', '', 'failed'],
  ] as [string, string, ExecutionStatus | undefined][])(
    'maps Status %s / StatusDetails "%s" to %s',
    async (Status, StatusDetails, expected) => {
      // Prepare: a state that does not end is followed by a timeout
      const exit = expected === 'success' ? 0 : 1;
      ssm.on(GetCommandInvocationCommand).resolves(reported({ Status, StatusDetails }, { exit }));

      // Act
      const result = await executor.run(request({ timeoutMs: 5_000 }));

      // Assess
      expect(result.status).toBe(expected ?? 'timed_out');
      if (expected === undefined) expect(ssm.commandCalls(CancelCommandCommand)).toHaveLength(1);
      if (StatusDetails === 'Exploded' || Status === 'Quantum') {
        expect(result.error).toContain(`unknown invocation status "${StatusDetails || Status}"`);
      }
      if (expected === 'unreachable') expect(result.error).toContain('nothing ran');
    },
  );

  it('covers every known SSM state in the table above', () => {
    const tested = ['Pending', 'InProgress', 'Delayed', 'Cancelling', 'Success', 'Failed', 'TimedOut'];
    tested.push('ExecutionTimedOut', 'DeliveryTimedOut', 'Undeliverable', 'AccessDenied', 'Cancelled');
    tested.push('Terminated', 'Incomplete', 'InvalidPlatform', 'RateExceeded', 'NoInstancesInTag');
    expect([...SSM_INVOCATION_STATES].sort()).toEqual([...tested].sort());
  });

  it('cancels the command on timeout and ends timed_out', async () => {
    // Prepare
    ssm
      .on(GetCommandInvocationCommand)
      .resolves(inProgress)
      .on(CancelCommandCommand)
      .callsFake(() => {
        ssm
          .on(GetCommandInvocationCommand)
          .resolves({ ...inProgress, Status: 'Cancelled', StatusDetails: 'Cancelled' });
        return {};
      });

    // Act
    const result = await executor.run(request({ timeoutMs: 10_000 }));

    // Assess
    expect(ssm.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([
      { CommandId: COMMAND_ID, InstanceIds: [INSTANCE] },
    ]);
    expect(result.status).toBe('timed_out');
    expect(result.error).toBe(`app-1: timed out after 10s; SSM command ${COMMAND_ID} was cancelled`);
    // No poll went past the deadline: the last wait was cut to what remained
    const pollsBeforeCancel = clock.sleeps.slice(0, -1);
    expect(pollsBeforeCancel.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('says so when the command does not stop after CancelCommand', async () => {
    // Prepare
    ssm.on(GetCommandInvocationCommand).resolves(inProgress);

    // Act
    const result = await executor.run(request({ timeoutMs: 3_000 }));

    // Assess
    expect(result.status).toBe('timed_out');
    expect(result.error).toBe(
      `app-1: timed out after 3s; CancelCommand sent to SSM command ${COMMAND_ID}, but it had not stopped within 15s`,
    );
  });

  it('cancels the command when the run is aborted', async () => {
    // Prepare
    const controller = new AbortController();
    let polls = 0;
    ssm.on(GetCommandInvocationCommand).callsFake(() => {
      polls += 1;
      if (polls === 2) controller.abort();
      return polls > 2 ? { ...inProgress, Status: 'Cancelled', StatusDetails: 'Cancelled' } : inProgress;
    });

    // Act
    const result = await executor.run(request({ signal: controller.signal }));

    // Assess
    expect(result.status).toBe('cancelled');
    expect(ssm.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([
      { CommandId: COMMAND_ID, InstanceIds: [INSTANCE] },
    ]);
    expect(result.error).toBe(`app-1: cancelled; SSM command ${COMMAND_ID} was cancelled`);
  });

  it('retries throttled calls with jitter and an invocation that is not listed yet', async () => {
    // Prepare
    ssm
      .on(SendCommandCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({
        Command: { CommandId: COMMAND_ID },
      });
    ssm
      .on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: 'no', $metadata: {} }))
      .rejectsOnce(throttled())
      .resolves(reported({ Status: 'Success', StatusDetails: 'Success' }));

    // Act
    const result = await executor.run(request());

    // Assess
    expect(result.status).toBe('success');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(3);
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(3);
    // SendCommand retries: 250·2⁰ and 250·2¹ with equal jitter; then poll 375; then two retries
    expect(clock.sleeps).toEqual([188, 375, 375, 188, 375]);
  });

  it('gives up on a throttled SendCommand at the deadline without sending anything', async () => {
    // Prepare
    ssm.on(SendCommandCommand).rejects(throttled());

    // Act
    const result = await executor.run(request({ timeoutMs: 1_000 }));

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toBe('app-1: SSM kept throttling SendCommand; nothing was run');
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
  });

  it('stops retrying a throttled SendCommand when the run is cancelled', async () => {
    // Prepare
    const controller = new AbortController();
    ssm.on(SendCommandCommand).callsFake(() => {
      controller.abort();
      throw throttled();
    });

    // Act
    const result = await executor.run(request({ signal: controller.signal }));

    // Assess
    expect(result.status).toBe('cancelled');
    expect(result.error).toBe('app-1: cancelled before SSM accepted the command');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
  });

  it('reports an instance SSM cannot reach as unreachable', async () => {
    // Prepare
    ssm.on(SendCommandCommand).rejects(
      new InvalidInstanceId({
        message: 'Instances not in a valid state',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const result = await executor.run(request());

    // Assess
    expect(result.status).toBe('unreachable');
    expect(result.error).toContain(`SSM cannot run commands on ${INSTANCE}`);
  });

  it('cancels to be safe and fails when it loses track of the invocation', async () => {
    // Prepare: the invocation never appears
    ssm
      .on(GetCommandInvocationCommand)
      .rejects(new InvocationDoesNotExist({ message: 'gone', $metadata: {} }));

    // Act
    const result = await executor.run(request());

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toBe(
      `app-1: lost track of SSM command ${COMMAND_ID}: InvocationDoesNotExist: gone; it may have run and was cancelled to be safe`,
    );
    expect(ssm.commandCalls(CancelCommandCommand)).toHaveLength(1);
  });

  it('never sends a confidential value: the request fails before SendCommand', async () => {
    // Act
    const result = await executor.run(
      request({
        env: { API_TOKEN: 'tok-123', LOG_LEVEL: 'info' },
        command: 'deploy',
        confidential: ['tok-123'],
      }),
    );
    const inCommand = await executor.run(
      request({ command: "curl -H 'x: tok-123'", confidential: ['tok-123'] }),
    );

    // Assess
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(result.status).toBe('failed');
    expect(result.error).toBe(
      'app-1: environment variable API_TOKEN would carry a confidential value in SSM SendCommand parameters, ' +
        "which stay readable in the command's history; run this task over SSH, or fetch the secret on the " +
        'host itself (aws ssm get-parameter --with-decryption); nothing was run',
    );
    expect(inCommand.error).toContain('the command would carry a confidential value');
    expect(JSON.stringify([result, inCommand])).not.toContain('tok-123');
  });

  it('refuses what the document could not carry, naming it', () => {
    expect(buildDocumentParameters(request({ env: { _sf_dir: '/' } }))).toEqual({
      ok: false,
      problem: 'environment variable names starting with _sf_ are reserved over SSM',
    });
    expect(buildDocumentParameters(request({ host: { ...HOST, instanceId: undefined } }))).toMatchObject({
      ok: false,
    });
    expect(buildDocumentParameters(request({ shell: 'sh; rm -rf /' }))).toMatchObject({ ok: false });
    expect(buildDocumentParameters(request({ timeoutMs: 49 * 3600_000 }))).toMatchObject({ ok: false });
  });

  it('fails a Success whose output is not the stepfleet document', async () => {
    // Prepare
    ssm.on(GetCommandInvocationCommand).resolves({
      ...inProgress,
      Status: 'Success',
      StatusDetails: 'Success',
      ResponseCode: 0,
      StandardOutputContent: 'hello\n',
    });

    // Act
    const result = await executor.run(request());

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toContain('reported no stepfleet result');
    expect(result.stdout).toEqual({ text: 'hello\n', droppedBytes: 0 });
  });
});
