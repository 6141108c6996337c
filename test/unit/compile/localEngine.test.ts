import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTaskGroup } from '../../../shared/compile/compileTaskGroup.js';
import { estimateRun, historyEventsFromLocalLog } from '../../../shared/compile/estimateRun.js';
import type { TaskGroup } from '../../../shared/taskgroup/schema.js';
import { load } from '../../support/compileFixtures.js';
import { type SimulationOptions, simulate } from '../../support/simulatedRuntime.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/compile');

async function run(fixture: string, options: Partial<SimulationOptions> & { hosts?: number } = {}) {
  const group = await load(join(FIXTURES, fixture));
  const compiled = compileTaskGroup(group);
  const hostCount =
    options.hostCount ?? ((task: string) => (isRunnerTask(group, task) ? 1 : (options.hosts ?? 6)));
  const result = await simulate({ group, compiled, ...options, hostCount });
  return { group, compiled, result };
}

function isRunnerTask(group: TaskGroup, task: string): boolean {
  const type = group.tasks.find((t) => t.name === task)?.type;
  return type === 'secret' || type === 'http';
}

describe('compiled definitions in the local engine', () => {
  it('starts every task only after the tasks it depends on have finished', async () => {
    for (const fixture of ['chain.yaml', 'diamond.yaml', 'two-chains.yaml', 'n-shape.yaml']) {
      const { group, result } = await run(fixture, { hostMs: () => 5 });
      expect(result.status, fixture).toBe('SUCCEEDED');
      for (const task of group.tasks) {
        expect(result.taskStatus[task.name], `${fixture}:${task.name}`).toBe('success');
        for (const dep of task.depends_on ?? []) {
          expect(
            result.taskSpan[task.name]?.start,
            `${fixture}: ${task.name} after ${dep}`,
          ).toBeGreaterThanOrEqual(result.taskSpan[dep]?.end ?? Number.NaN);
        }
      }
    }
  });

  it('runs independent chains side by side', async () => {
    const { result } = await run('two-chains.yaml', { hostMs: () => 30 });
    // a2 and b2 overlap in time: neither waits for the other chain.
    const a2 = result.taskSpan.a2;
    const b2 = result.taskSpan.b2;
    expect(a2 && b2 && a2.start < b2.end && b2.start < a2.end).toBe(true);
  });

  it('honours max_concurrency exactly across shards', async () => {
    const { result } = await run('limited.yaml', { hosts: 40, hostMs: () => 5 });
    expect(result.peakInFlight['one-at-a-time']).toBe(1);
    expect(result.peakInFlight['three-at-once']).toBe(3);
    expect(result.hostStatus['three-at-once']?.every((s) => s === 'success')).toBe(true);
  });

  it('never exceeds a max_concurrency larger than one invocation can run, over many shards', async () => {
    const { result } = await run('limited.yaml', {
      hosts: 1500,
      hostMs: () => 2,
      hostCount: (t) => (t === 'wide' ? 1500 : 2),
    });
    expect(result.peakInFlight.wide).toBeLessThanOrEqual(600);
    expect(result.peakInFlight.wide).toBeGreaterThan(256);
    expect(result.hostStatus.wide?.filter((s) => s === 'success')).toHaveLength(1500);
  });

  it('runs rolling waves one after another', async () => {
    const { result } = await run('rolling.yaml', { hosts: 7, hostMs: () => 3 });
    const waves = result.waveOrder.restart ?? [];
    expect(waves).toEqual([0, 0, 1, 1, 2, 2, 3]);
    expect(result.peakInFlight.restart).toBe(2);
  });

  it('passes a task whose failures stay within tolerated_failures', async () => {
    const { result } = await run('rolling.yaml', {
      hosts: 7,
      outcome: (task, host) => (task === 'restart' && host === 3 ? 'failed' : 'success'),
    });
    expect(result.taskStatus.restart).toBe('success');
    expect(result.taskStatus.verify).toBe('success');
    expect(result.status).toBe('SUCCEEDED');
  });

  it('stops a rollout as soon as failures exceed the tolerance and skips the waves that never ran', async () => {
    const { result } = await run('rolling.yaml', {
      hosts: 7,
      outcome: (task, host) => (task === 'restart' && (host === 2 || host === 3) ? 'failed' : 'success'),
    });
    expect(result.taskStatus.restart).toBe('failed');
    expect(result.hostStatus.restart).toEqual([
      'success',
      'success',
      'failed',
      'failed',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(result.taskStatus.verify).toBe('skipped');
    expect(result.hostStatus.verify?.every((s) => s === 'skipped')).toBe(true);
    expect(result.status).toBe('FAILED');
  });

  it('with on_failure: stop, skips tasks that had not started when a task failed', async () => {
    const { result } = await run('stop-on-failure.yaml', {
      hostMs: (task) => (task === 'unrelated' ? 60 : 2),
      outcome: (task) => (task === 'first' ? 'failed' : 'success'),
    });
    expect(result.taskStatus.first).toBe('failed');
    expect(result.taskStatus.second).toBe('skipped');
    expect(result.taskStatus.unrelated).toBe('success');
    expect(result.taskStatus['after-unrelated']).toBe('skipped');
    expect(result.status).toBe('FAILED');
  });

  it('with on_failure: continue, goes on with independent branches and skips what depends on the failure', async () => {
    const { result } = await run('continue-on-failure.yaml', {
      outcome: (task) => (task === 'flaky' ? 'failed' : 'success'),
    });
    expect(result.taskStatus).toEqual({
      flaky: 'failed',
      'after-flaky': 'skipped',
      independent: 'success',
      'after-independent': 'success',
    });
  });

  it('retries a shard invocation after a Lambda service error, and the run succeeds', async () => {
    const { result } = await run('chain.yaml', {
      throwOnInvocation: { n: 2, errorName: 'Lambda.ServiceException' },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect(
      Object.values(result.hostStatus)
        .flat()
        .every((s) => s === 'success'),
    ).toBe(true);
  });

  it('does not retry any other error: the shard is caught and its hosts fail at the gate', async () => {
    const { result } = await run('chain.yaml', { hosts: 3, throwOnInvocation: { n: 1, errorName: 'Error' } });
    expect(result.events.filter((e) => e.type === 'StateRetried')).toHaveLength(0);
    expect(result.events.some((e) => e.type === 'StateCaught')).toBe(true);
    expect(result.taskStatus.a).toBe('failed');
    expect(result.hostStatus.a?.filter((s) => s === 'failed').length).toBeGreaterThan(0);
    expect(result.taskStatus.b).toBe('skipped');
    expect(result.status).toBe('FAILED');
  });

  it('resumes a shard across invocations when one invocation cannot finish it', async () => {
    const { result } = await run('chain.yaml', { hosts: 10, hostsPerInvocation: 1, hostCount: () => 10 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.execInvocations).toBe(30);
  });
});

describe('plan estimates against the local engine', () => {
  const cases: [string, number][] = [
    ['chain.yaml', 12],
    ['diamond.yaml', 9],
    ['two-chains.yaml', 5],
    ['rolling.yaml', 9],
    ['limited.yaml', 30],
    ['n-shape.yaml', 120],
    ['continue-on-failure.yaml', 4],
  ];
  for (const [fixture, hosts] of cases) {
    it(`predicts transitions and history events of ${fixture} on ${hosts} hosts within 10%`, async () => {
      const { group, compiled, result } = await run(fixture, { hosts, hostMs: () => 1 });
      const hostCount = (task: string) => (isRunnerTask(group, task) ? 1 : hosts);
      const estimate = estimateRun(group, compiled.definition, hostCount);
      const observed = historyEventsFromLocalLog(result.events);
      if (result.status === 'SUCCEEDED') {
        expect(
          Math.abs(estimate.transitions - observed.transitions) / observed.transitions,
        ).toBeLessThanOrEqual(0.1);
        expect(
          Math.abs(estimate.historyEvents - observed.historyEvents) / observed.historyEvents,
        ).toBeLessThanOrEqual(0.1);
      } else {
        // A run with failures does less than the all-success estimate, never more.
        expect(observed.transitions).toBeLessThanOrEqual(estimate.transitions);
      }
    });
  }
});
