import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host } from '../../shared/inventory/Host.js';
import type { DeploymentBundle } from './DeploymentBundle.js';
import { ENV } from './env.js';

/** File name of the bundle inside the function's code (the stack copies it there). */
export const DEPLOYMENT_FILE_NAME = 'deployment.json';

/** Where known_hosts texts are written so that the SSH verifier can read them as files. */
const KNOWN_HOSTS_DIR = '/tmp/stepfleet-known-hosts';

/**
 * Reads the deployment bundle shipped with the function (`$LAMBDA_TASK_ROOT/deployment.json`, or
 * `STEPFLEET_DEPLOYMENT_FILE`) and writes its known_hosts texts to /tmp, pointing each host at
 * its file. Call once per container (module scope).
 */
export function loadDeploymentBundle(
  file = process.env[ENV.deploymentFile] ?? join(process.env.LAMBDA_TASK_ROOT ?? '.', DEPLOYMENT_FILE_NAME),
  knownHostsDir = KNOWN_HOSTS_DIR,
): DeploymentBundle {
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as DeploymentBundle;
  if (bundle.version !== 1)
    throw new Error(`${file}: unsupported deployment bundle version ${String(bundle.version)}`);
  const keys = Object.keys(bundle.knownHosts);
  if (keys.length > 0) mkdirSync(knownHostsDir, { recursive: true, mode: 0o700 });
  for (const key of keys)
    writeFileSync(join(knownHostsDir, key), bundle.knownHosts[key] ?? '', { mode: 0o600 });
  const hosts = bundle.hosts.map(
    (host): Host =>
      host.knownHosts === undefined ? host : { ...host, knownHosts: join(knownHostsDir, host.knownHosts) },
  );
  return { ...bundle, hosts };
}
