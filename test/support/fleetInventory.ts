import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { FleetDescriptor } from './fleet.js';

/**
 * Writes an inventory file for a fleet: the first half of the hosts are `web-N` (tags web, fleet;
 * web-1 also canary), the rest `db-N` (tags db, fleet), so the examples' selectors match.
 * Returns the file and each inventory name's fleet index.
 */
export function writeFleetInventory(fleet: FleetDescriptor, dir: string): { file: string; names: string[] } {
  const half = Math.ceil(fleet.hosts.length / 2);
  const names = fleet.hosts.map((_, i) => (i < half ? `web-${i + 1}` : `db-${i - half + 1}`));
  const inventory = {
    defaults: {
      user: 'root',
      identity_file: fleet.clientIdentityFile,
      known_hosts: fleet.knownHostsFile,
      connect_timeout: '20s',
    },
    hosts: fleet.hosts.map((h, i) => ({
      name: names[i],
      address: h.address,
      port: h.port,
      tags: i < half ? (i === 0 ? ['web', 'canary', 'fleet'] : ['web', 'fleet']) : ['db', 'fleet'],
    })),
  };
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, stringify(inventory));
  return { file, names };
}
