import { describe, expect, it } from 'vitest';
import type { Host } from '../../../shared/inventory/Host.js';
import {
  connectAhead,
  EARLY_HANDSHAKES_AT_ONCE,
  firstWaveHosts,
  MAX_EARLY_CONNECTIONS,
} from '../../../shared/local/firstWaveHosts.js';
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
  it('takes every SSH host of the tasks that depend on nothing, whatever their concurrency', () => {
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

    // Assess: no `local`, no host twice, nothing of the dependent task; `max_concurrency` bounds
    // the hosts that run at once, not the connections.
    expect(chosen.map((h) => h.name)).toEqual(['web-1', 'web-2', 'web-3', 'web-4', 'web-5', 'db-1']);
  });

  it('leaves out tasks in rolling waves and stops at MAX_EARLY_CONNECTIONS', () => {
    // Prepare
    const group = {
      name: 'g',
      tasks: [
        { name: 'waves', type: 'exec', strategy: { batch: 2 }, spec: { command: 'true' } },
        { name: 'wide', type: 'exec', spec: { command: 'true' } },
      ],
    } as unknown as TaskGroup;

    // Act
    const chosen = firstWaveHosts(group, [targets('waves', hosts('w', 4)), targets('wide', hosts('h', 300))]);

    // Assess
    expect(MAX_EARLY_CONNECTIONS).toBe(256);
    expect(chosen.map((h) => h.name)).toEqual(hosts('h', 256).map((h) => h.name));
  });
});

describe('connectAhead', () => {
  it('connects in order, a bounded number of handshakes at a time, and resolves when all have settled', async () => {
    // Prepare: connections that settle only when the test says so, one of them failing.
    const started: string[] = [];
    const settle = new Map<string, () => void>();
    let inFlight = 0;
    let mostInFlight = 0;
    const executor = {
      connect: (host: Host) =>
        new Promise<void>((resolve) => {
          started.push(host.name);
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          settle.set(host.name, () => {
            inFlight -= 1;
            resolve();
          });
        }),
    };
    const fleet = hosts('h', EARLY_HANDSHAKES_AT_ONCE + 10);
    let done = false;

    // Act
    const connecting = connectAhead(executor, fleet, new AbortController().signal).then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    const startedFirst = [...started];
    for (const host of fleet.slice(0, 10)) settle.get(host.name)?.();
    await new Promise((resolve) => setImmediate(resolve));
    const doneBeforeTheRest = done;
    for (const host of fleet.slice(10)) settle.get(host.name)?.();
    await connecting;

    // Assess
    expect(startedFirst).toEqual(fleet.slice(0, EARLY_HANDSHAKES_AT_ONCE).map((h) => h.name));
    expect(started).toEqual(fleet.map((h) => h.name));
    expect(mostInFlight).toBe(EARLY_HANDSHAKES_AT_ONCE);
    expect(doneBeforeTheRest).toBe(false);
    expect(done).toBe(true);
  });

  it('starts no further connection once the run has ended', async () => {
    // Prepare
    const started: string[] = [];
    const pending: (() => void)[] = [];
    const executor = {
      connect: (host: Host) =>
        new Promise<void>((resolve) => {
          started.push(host.name);
          pending.push(resolve);
        }),
    };
    const ended = new AbortController();
    const fleet = hosts('h', EARLY_HANDSHAKES_AT_ONCE * 2);

    // Act
    const connecting = connectAhead(executor, fleet, ended.signal);
    await new Promise((resolve) => setImmediate(resolve));
    ended.abort();
    for (const settle of pending.splice(0)) settle();
    await connecting;

    // Assess: those already in their handshake finish; the queued ones never start.
    expect(started).toEqual(fleet.slice(0, EARLY_HANDSHAKES_AT_ONCE).map((h) => h.name));
  });
});
