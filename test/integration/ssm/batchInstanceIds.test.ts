import { SendCommandCommand, SSMClient, ThrottlingException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { batchInstanceIds, sendCommandInBatches } from '../../../shared/exec/ssm/batchInstanceIds.js';

const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
const clock = { now: () => 0, random: () => 0.5, sleep: async () => {} };

describe('batchInstanceIds', () => {
  const ssm = mockClient(SSMClient);
  afterAll(() => ssm.restore());

  it('splits 120 instance ids into SendCommand calls of 50, 50 and 20', async () => {
    // Prepare
    const all = ids(120);
    let n = 0;
    ssm.on(SendCommandCommand).callsFake(() => ({ Command: { CommandId: `cmd-${++n}` } }));
    const input = {
      DocumentName: 'stepfleet-run-command',
      Parameters: { command: ['uptime'] },
      TimeoutSeconds: 60,
    };

    // Act
    const sent = await sendCommandInBatches(new SSMClient({ region: 'eu-west-1' }), input, all, {
      clock,
      policy: { initialMs: 100, maxMs: 1_000, factor: 2 },
      maxAttempts: 3,
    });

    // Assess
    expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input)).toEqual([
      { ...input, InstanceIds: all.slice(0, 50) },
      { ...input, InstanceIds: all.slice(50, 100) },
      { ...input, InstanceIds: all.slice(100) },
    ]);
    expect(sent).toEqual([
      { instanceIds: all.slice(0, 50), commandId: 'cmd-1' },
      { instanceIds: all.slice(50, 100), commandId: 'cmd-2' },
      { instanceIds: all.slice(100), commandId: 'cmd-3' },
    ]);
  });

  it('returns a batch that stays throttled as an error and still sends the others', async () => {
    // Prepare
    ssm.reset();
    const throttled = new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} });
    ssm
      .on(SendCommandCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ Command: { CommandId: 'cmd-ok' } });

    // Act
    const sent = await sendCommandInBatches(
      new SSMClient({ region: 'eu-west-1' }),
      { DocumentName: 'd' },
      ids(60),
      {
        clock,
        policy: { initialMs: 100, maxMs: 1_000, factor: 2 },
        maxAttempts: 2,
      },
    );

    // Assess
    expect(
      sent.map((b) => [b.instanceIds.length, b.commandId, (b.error as Error | undefined)?.name]),
    ).toEqual([
      [50, undefined, 'ThrottlingException'],
      [10, 'cmd-ok', undefined],
    ]);
  });

  it('drops duplicate ids, keeps order, and refuses a batch size SSM would refuse', () => {
    expect(batchInstanceIds(['i-b', 'i-a', 'i-b', 'i-c'], 2)).toEqual([['i-b', 'i-a'], ['i-c']]);
    expect(batchInstanceIds([])).toEqual([]);
    expect(() => batchInstanceIds(['i-a'], 51)).toThrow(RangeError);
  });
});
