import type { RunnerDeps } from '../shared/engine/RunnerDeps.js';
import { createHttpTaskRunner } from '../shared/tasktypes/httpTask.js';
import type { SecretTask } from '../shared/tasktypes/secretTask.js';
import type { TaskTypeRunner } from '../shared/tasktypes/TaskTypeRunner.js';

/**
 * The runner-side task types a local run supports. `http` needs nothing but the network;
 * `secret` reads AWS with the default credential chain, as the AWS CLI would, and only when a
 * secret task actually runs: its AWS clients are loaded then, not at every start of the CLI.
 */
export function localTaskTypes(): RunnerDeps['taskTypes'] {
  let secret: Promise<TaskTypeRunner<SecretTask>> | undefined;
  const loadSecret = async (): Promise<TaskTypeRunner<SecretTask>> => {
    const [{ createSecretTaskRunner }, { SSMClient }, { SecretsManagerClient }] = await Promise.all([
      import('../shared/tasktypes/secretTask.js'),
      import('@aws-sdk/client-ssm'),
      import('@aws-sdk/client-secrets-manager'),
    ]);
    return createSecretTaskRunner({
      ssm: (region) => new SSMClient(region ? { region } : {}),
      secretsManager: (region) => new SecretsManagerClient(region ? { region } : {}),
    });
  };
  const lazySecret: TaskTypeRunner<SecretTask> = {
    async run(task, context) {
      secret ??= loadSecret();
      return (await secret).run(task, context);
    },
  };
  return { http: createHttpTaskRunner(), secret: lazySecret };
}
