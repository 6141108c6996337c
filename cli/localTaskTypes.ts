import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { RunnerDeps } from '../shared/engine/RunnerDeps.js';
import { createHttpTaskRunner } from '../shared/tasktypes/httpTask.js';
import { createSecretTaskRunner } from '../shared/tasktypes/secretTask.js';

/**
 * The runner-side task types a local run supports. `http` needs nothing but the network;
 * `secret` reads AWS with the default credential chain, as the AWS CLI would, and only when a
 * secret task actually runs.
 */
export function localTaskTypes(): RunnerDeps['taskTypes'] {
  return {
    http: createHttpTaskRunner(),
    secret: createSecretTaskRunner({
      ssm: (region) => new SSMClient(region ? { region } : {}),
      secretsManager: (region) => new SecretsManagerClient(region ? { region } : {}),
    }),
  };
}
