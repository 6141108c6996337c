import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { RunnerDeps } from '../../shared/engine/RunnerDeps.js';
import type { HostExecutor } from '../../shared/exec/HostExecutor.js';
import type { Host } from '../../shared/inventory/Host.js';
import { RunStore } from '../../shared/store/RunStore.js';
import { createHttpTaskRunner } from '../../shared/tasktypes/httpTask.js';
import { createSecretTaskRunner } from '../../shared/tasktypes/secretTask.js';
import { BundledCatalog } from './BundledCatalog.js';
import type { DeploymentBundle } from './DeploymentBundle.js';
import { EventPublisher } from './EventPublisher.js';
import { ENV, requiredEnv } from './env.js';
import { resolveEc2Selectors } from './resolveEc2Selectors.js';
import { SecretDataKeyCipher } from './SecretDataKeyCipher.js';

/** The SDK clients of a function. Create once per container, at module scope. */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  secrets: SecretsManagerClient;
  ssm: SSMClient;
  events: EventBridgeClient;
  sfn: SFNClient;
}

/** Creates the SDK clients (no network until first use); region and credentials from the runtime. */
export function createAwsClients(): AwsClients {
  return {
    dynamodb: new DynamoDBClient({}),
    secrets: new SecretsManagerClient({}),
    ssm: new SSMClient({}),
    events: new EventBridgeClient({}),
    sfn: new SFNClient({}),
  };
}

/** The run store over the deployment's table, confidential values under the data-key secret. */
export function createRunStore(clients: Pick<AwsClients, 'dynamodb' | 'secrets'>): RunStore {
  const retentionDays = Number(process.env[ENV.retentionDays] ?? '90');
  return new RunStore({
    client: clients.dynamodb,
    tableName: requiredEnv(ENV.table),
    cipher: new SecretDataKeyCipher(clients.secrets, requiredEnv(ENV.dataKeySecret)),
    retentionDays,
  });
}

/** The run-status event publisher of one invocation. */
export function createEventPublisher(clients: Pick<AwsClients, 'events'>): EventPublisher {
  return new EventPublisher(clients.events, process.env[ENV.eventBus] ?? 'default');
}

/**
 * The runner-side task types of a deployed function: `http` with Node's fetch, and `secret` reading
 * Parameter Store or Secrets Manager with the function's own clients for its region, or with a
 * client made on first use for another `spec.region` (and kept by the runner for the container).
 * Build once per container (module scope); nothing is sent until a task runs.
 */
export function cloudTaskTypes(clients: Pick<AwsClients, 'ssm' | 'secrets'>): RunnerDeps['taskTypes'] {
  return {
    http: createHttpTaskRunner(),
    secret: createSecretTaskRunner({
      ssm: (region) => (region === undefined ? clients.ssm : new SSMClient({ region })),
      secretsManager: (region) =>
        region === undefined ? clients.secrets : new SecretsManagerClient({ region }),
    }),
  };
}

/** Executors are per invocation (exec-host); other runner steps never reach a host. */
const NO_EXECUTOR = (host: Host): HostExecutor => {
  throw new Error(`this function does not run commands (host ${host.name})`);
};

/**
 * The RunnerDeps of a deployed function: the bundled catalog and inventory, the store, `ec2:`
 * selectors resolved through SSM, the runner-side task types (`base.taskTypes`, else made here
 * from the clients), and whatever the invocation adds (executors, event sink).
 */
export function cloudRunnerDeps(
  base: {
    store: RunStore;
    bundle: DeploymentBundle;
    clients: Pick<AwsClients, 'ssm' | 'secrets'>;
    taskTypes?: RunnerDeps['taskTypes'];
  },
  invocation: { executorFor?: (host: Host) => HostExecutor; events?: EventPublisher } = {},
): RunnerDeps {
  const catalog = new BundledCatalog(base.bundle);
  return {
    store: base.store,
    catalog,
    inventory: async () => base.bundle.hosts,
    executorFor: invocation.executorFor ?? NO_EXECUTOR,
    taskTypes: base.taskTypes ?? cloudTaskTypes(base.clients),
    resolveDeferred: (selectors) => resolveEc2Selectors(base.clients.ssm, selectors),
    ...(invocation.events ? { emit: invocation.events.emit } : {}),
  };
}
