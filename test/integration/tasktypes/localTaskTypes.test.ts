import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { localTaskTypes } from '../../../cli/localTaskTypes.js';
import type { SecretTask } from '../../../shared/tasktypes/secretTask.js';
import { runnerContext } from './runnerContext.js';

describe('task types of a local run', () => {
  const ssm = mockClient(SSMClient);
  afterAll(() => ssm.restore());

  it('loads the secret task and its AWS clients on first use, and reads with them', async () => {
    // Prepare: the default credential chain is not consulted by the mock; a region must be known.
    ssm.on(GetParameterCommand, { Name: '/app/token', WithDecryption: true }).resolves({
      Parameter: { Name: '/app/token', Type: 'SecureString', Value: 'v-1' },
    });
    const task: SecretTask = {
      name: 'token',
      type: 'secret',
      spec: { parameter: '/app/token', region: 'eu-west-1' },
      exports: [{ name: 'token', confidential: true }],
    };
    const { secret } = localTaskTypes();

    // Act: twice, so the second use takes the runner loaded by the first.
    const first = await secret?.run(task, runnerContext({}));
    const second = await secret?.run(task, runnerContext({}));

    // Assess
    expect(first?.status).toBe('success');
    expect(first?.outputs).toEqual({ token: 'v-1' });
    expect(second?.outputs).toEqual({ token: 'v-1' });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });
});
