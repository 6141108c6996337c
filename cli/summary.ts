import Table from 'cli-table3';
import type { RunResult } from '../shared/store/types.js';
import { stripControlSequences } from '../shared/vars/index.js';
import { statusStyle } from './progress/LiveProgress.js';
import { formatElapsed } from './progress/ProgressModel.js';
import { colorEnabled, painter } from './style.js';

const FAILED = new Set(['failed', 'timed_out', 'unreachable', 'unknown']);

/**
 * The end-of-run report: a table per task, a table of hosts that did not succeed (status, exit
 * code, last stderr line), and the run's status with where it is stored.
 */
export function renderSummary(result: RunResult, stream: NodeJS.WriteStream, storedIn: string): string {
  const paint = painter(stream);
  const style = colorEnabled(stream) ? {} : { head: [], border: [] };
  const tasks = new Table({ head: ['task', 'status', 'hosts', 'ok', 'failed', 'skipped', 'time'], style });
  const failures = new Table({
    head: ['task', 'host', 'status', 'exit', 'last stderr line / error'],
    style,
    colWidths: [18, 18, 12, 6, 60],
    wordWrap: true,
  });
  let failedHosts = 0;
  for (const task of Object.values(result.results)) {
    const hosts = Object.entries(task.hosts);
    const count = (pred: (s: string) => boolean) => hosts.filter(([, h]) => pred(h.status)).length;
    const durations = hosts.map(([, h]) => h.durationMs ?? 0);
    tasks.push([
      task.name,
      paint(statusStyle(task.status), task.status),
      hosts.length,
      count((s) => s === 'success'),
      count((s) => FAILED.has(s)),
      count((s) => s === 'skipped' || s === 'cancelled'),
      durations.length ? formatElapsed(Math.max(...durations)) : '',
    ]);
    for (const [name, host] of hosts) {
      if (!FAILED.has(host.status)) continue;
      failedHosts += 1;
      const lastLine = stripControlSequences(host.stderr).trimEnd().split('\n').pop() ?? '';
      failures.push([
        task.name,
        name,
        paint(statusStyle(host.status), host.status),
        host.exitCode ?? '',
        host.error ?? lastLine,
      ]);
    }
  }
  const started = Date.parse(result.startedAt);
  const finished = result.finishedAt ? Date.parse(result.finishedAt) : Date.now();
  const lines = [tasks.toString()];
  if (failedHosts > 0) lines.push(failures.toString());
  lines.push(
    `run ${result.id} ${paint(statusStyle(result.status), result.status)} in ${formatElapsed(finished - started)}; stored in ${storedIn} (stepfleet runs show ${result.id})`,
  );
  return `${lines.join('\n')}\n`;
}
