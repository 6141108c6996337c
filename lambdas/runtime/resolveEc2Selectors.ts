import {
  DescribeInstanceInformationCommand,
  type InstanceInformation,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Host } from '../../shared/inventory/Host.js';
import { parseSelector } from '../../shared/inventory/selectors.js';

/**
 * Resolves `ec2:KEY=VALUE` selectors (DESIGN §3) to the SSM-managed instances carrying that tag,
 * each as an SSM host named by its instance id. SSM's own inventory is asked rather than EC2's,
 * because only managed instances can run the stepfleet document anyway.
 */
export async function resolveEc2Selectors(ssm: SSMClient, selectors: readonly string[]): Promise<Host[]> {
  const hosts = new Map<string, Host>();
  for (const text of selectors) {
    const selector = parseSelector(text);
    if ('error' in selector || selector.kind !== 'ec2') throw new Error(`not an ec2: selector: ${text}`);
    let token: string | undefined;
    do {
      const page = await ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: `tag:${selector.key}`, Values: [selector.value] }],
          MaxResults: 50,
          NextToken: token,
        }),
      );
      for (const instance of page.InstanceInformationList ?? []) addHost(hosts, instance);
      token = page.NextToken;
    } while (token);
  }
  return [...hosts.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function addHost(hosts: Map<string, Host>, instance: InstanceInformation): void {
  const id = instance.InstanceId;
  if (!id || hosts.has(id)) return;
  hosts.set(id, { name: id, transport: 'ssm', tags: [], instanceId: id });
}
