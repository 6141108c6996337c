import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { HostExecutor } from '../../shared/exec/HostExecutor.js';
import { LocalExecutor } from '../../shared/exec/local/LocalExecutor.js';
import { SshExecutor } from '../../shared/exec/ssh/SshExecutor.js';
import { SsmExecutor } from '../../shared/exec/ssm/SsmExecutor.js';
import type { Host } from '../../shared/inventory/Host.js';

/**
 * The executors of one invocation, created on first use of each transport and closed when the
 * invocation ends: an SSH connection must not outlive a frozen Lambda container.
 */
export class Executors {
  readonly #ssm: SSMClient;
  readonly #secrets: SecretsManagerClient;
  readonly #documentName: string;
  readonly #open = new Map<Host['transport'], HostExecutor>();

  constructor(clients: { ssm: SSMClient; secrets: SecretsManagerClient }, documentName: string) {
    this.#ssm = clients.ssm;
    this.#secrets = clients.secrets;
    this.#documentName = documentName;
  }

  /** The executor for a host's transport (RunnerDeps.executorFor). */
  readonly for = (host: Host): HostExecutor => {
    let executor = this.#open.get(host.transport);
    if (!executor) {
      executor = this.#create(host.transport);
      this.#open.set(host.transport, executor);
    }
    return executor;
  };

  async close(): Promise<void> {
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(open.map((e) => e.close()));
  }

  #create(transport: Host['transport']): HostExecutor {
    switch (transport) {
      case 'ssh':
        return new SshExecutor({ resolveIdentitySecret: (id) => this.#secretText(id) });
      case 'ssm':
        return new SsmExecutor(this.#ssm, { documentName: this.#documentName });
      case 'local':
        return new LocalExecutor();
    }
  }

  async #secretText(secretId: string): Promise<string> {
    const secret = await this.#secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (secret.SecretString === undefined) throw new Error(`secret ${secretId} holds no text`);
    return secret.SecretString;
  }
}
