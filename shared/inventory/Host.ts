/** A host with its defaults applied: what executors receive. */
export interface Host {
  name: string;
  transport: 'ssh' | 'ssm' | 'local';
  tags: string[];
  /** ssh */
  address?: string;
  port?: number;
  user?: string;
  identityFile?: string;
  identitySecret?: string;
  /** Absolute path of the known_hosts file to verify against. */
  knownHosts?: string;
  hostKey?: string;
  hostKeyPolicy?: 'strict' | 'accept-new';
  connectTimeoutMs?: number;
  /** ssm */
  instanceId?: string;
}

/** The runner itself: the target of `local`. */
export const LOCAL_HOST: Host = Object.freeze({ name: 'local', transport: 'local', tags: [] }) as Host;
