import { z } from 'zod';

/**
 * The payloads the compiled state machine sends each runner function (see compileTaskGroup).
 * They are checked once here, so a hand-started execution with a malformed input fails clearly.
 */
const runId = z.string().min(1).max(128);
const task = z.string().min(1).max(64);

export const PrepareRunEvent = z.object({ runId });
export const TaskGateEvent = z.object({
  runId,
  task,
  action: z.enum(['start', 'wave-done']),
  wave: z.number().int().nonnegative().optional(),
});
export const ExecShardEvent = z.object({
  runId,
  task,
  wave: z.number().int().nonnegative(),
  shard: z.number().int().nonnegative(),
});
export const FinalizeRunEvent = z.object({ runId, error: z.string().optional() });
/** What each schedule sends (`scheduledTime` is Scheduler's `<aws.scheduler.scheduled-time>`). */
export const ScheduledRunEvent = z.strictObject({
  taskGroup: z.string().min(1),
  scheduledTime: z.string().min(1),
  inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
