import { createHash } from 'node:crypto';

/** Step Functions execution names: at most 80 characters. */
const MAX_NAME = 80;

/**
 * The run id of a scheduled run, derived from the schedule's time so that every delivery of the
 * same occurrence (Scheduler retries at least once) names the same run and execution:
 * `sched-<group>-<yyyymmddThhmmssZ>`. A long group name is shortened with a hash, keeping the
 * id unique and under the 80-character execution-name limit.
 *
 * @example scheduledRunId('deploy-web', '2025-03-01T03:00:00Z') // 'sched-deploy-web-20250301T030000Z'
 */
export function scheduledRunId(taskGroup: string, scheduledTime: string): string {
  const time = new Date(scheduledTime);
  if (Number.isNaN(time.getTime()))
    throw new Error(`scheduled time ${JSON.stringify(scheduledTime)} is not a date`);
  const stamp = time
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
  const fixed = `sched--${stamp}`.length;
  let name = taskGroup;
  if (fixed + name.length > MAX_NAME) {
    const hash = createHash('sha256').update(taskGroup).digest('hex').slice(0, 8);
    name = `${taskGroup.slice(0, MAX_NAME - fixed - hash.length - 1)}-${hash}`;
  }
  return `sched-${name}-${stamp}`;
}
