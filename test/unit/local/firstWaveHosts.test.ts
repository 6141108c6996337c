import { describe, expect, it } from 'vitest';
import type { Host } from '../../../shared/inventory/Host.js';
import { firstWaveHosts } from '../../../shared/local/firstWaveHosts.js';
import type { TaskTargets } from '../../../shared/taskgroup/resolveTargets.js';
import type { TaskGroup } from '../../../shared/taskgroup/schema.js';

const ssh = (name: string): Host => ({ name, transport: 'ssh', tags: [], address: '127.0.0.1' });
const local: Host = { name: 'local', transport: 'local', tags: [] };
const targets = (task: string, hosts: Host[]): TaskTargets => ({
  task,
  selectors: [],
  hosts,
  deferred: [],
  inRunner: false,
});
const hosts = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ssh(`${prefix}-${i + 1}`));

describe('firstWaveHosts', () => {
  it("takes the SSH hosts of tasks that depend on nothing, up to each task's concurrency", () => {
    // Prepare
    const group = {
      name: 'g',
      tasks: [
        { name: 'a', type: 'exec', strategy: { max_concurrency: 2 }, spec: { command: 'true' } },
        { name: 'b', type: 'exec', spec: { command: 'true' } },
        { name: 'c', type: 'exec', depends_on: ['a'], spec: { command: 'true' } },
      ],
    } as unknown as TaskGroup;

    // Act
    const chosen = firstWaveHosts(group, [
      targets('a', hosts('web', 5)),
      targets('b', [local, ssh('db-1'), ssh('web-1')]),
      targets('c', hosts('late', 3)),
    ]);

    // Assess: no `local`, no host twice, nothing of the dependent task.
    expect(chosen.map((h) => h.name)).toEqual(['web-1', 'web-2', 'db-1']);
  });

  it('leaves out tasks in rolling waves and stops at 32 connections', () => {
    // Prepare
    const group = {
      name: 'g',
      tasks: [
        { name: 'waves', type: 'exec', strategy: { batch: 2 }, spec: { command: 'true' } },
        { name: 'wide', type: 'exec', spec: { command: 'true' } },
      ],
    } as unknown as TaskGroup;

    // Act
    const chosen = firstWaveHosts(group, [targets('waves', hosts('w', 4)), targets('wide', hosts('h', 50))]);

    // Assess
    expect(chosen.map((h) => h.name)).toEqual(hosts('h', 32).map((h) => h.name));
  });
});
