import type { Host } from '../../shared/inventory/Host.js';
import type { TaskGroup } from '../../shared/taskgroup/schema.js';

/**
 * What a deployment ships to its Lambdas, fixed at synth time: every TaskGroup of the configured
 * folder (script files inlined), the inventory's hosts, and the known_hosts files they name.
 * The CDK stack builds it (`cdk/loadDeployment.ts`) and bundles it into the function code.
 */
export interface DeploymentBundle {
  version: 1;
  /** TaskGroup name → the group and the file it came from (relative to the project). */
  taskGroups: Record<string, { group: TaskGroup; source: string }>;
  /** Inventory hosts; `knownHosts` holds a key of {@link DeploymentBundle.knownHosts}, not a path. */
  hosts: Host[];
  /** known_hosts file texts by key. */
  knownHosts: Record<string, string>;
}

/** An empty deployment: no TaskGroups, no hosts. */
export const EMPTY_BUNDLE: DeploymentBundle = { version: 1, taskGroups: {}, hosts: [], knownHosts: {} };
