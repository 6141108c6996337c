import { SendCommandCommand, type SendCommandCommandInput, type SSMClient } from '@aws-sdk/client-ssm';
import { AWS_LIMITS } from '../../limits.js';
import { type RetryThrottledOptions, retryThrottled } from './retryThrottled.js';

/**
 * Splits instance ids into SendCommand-sized batches (at most 50 per call, AWS_LIMITS), in order,
 * duplicates removed (SSM refuses a call that names an instance twice).
 *
 * @example batchInstanceIds(ids120).map((b) => b.length) // [50, 50, 20]
 */
export function batchInstanceIds(
  instanceIds: Iterable<string>,
  size: number = AWS_LIMITS.ssmInstanceIdsPerCall,
): string[][] {
  if (!Number.isSafeInteger(size) || size < 1 || size > AWS_LIMITS.ssmInstanceIdsPerCall) {
    throw new RangeError(`batch size must be 1 … ${AWS_LIMITS.ssmInstanceIdsPerCall}, got ${size}`);
  }
  const unique = [...new Set(instanceIds)];
  const batches: string[][] = [];
  for (let start = 0; start < unique.length; start += size) batches.push(unique.slice(start, start + size));
  return batches;
}

/** One SendCommand of {@link sendCommandInBatches}: its instances and its command id, or its error. */
export type SentBatch =
  | { instanceIds: string[]; commandId: string; error?: undefined }
  | { instanceIds: string[]; commandId?: undefined; error: unknown };

/**
 * Sends one command to many instances, one SendCommand per {@link batchInstanceIds} batch, each
 * retried on throttling. A batch that fails does not stop the others: its error is returned with
 * its instances, so the caller can fail exactly those hosts (nothing was sent to them, unless the
 * error is a network one, after which SSM may have accepted the call).
 */
export async function sendCommandInBatches(
  ssm: SSMClient,
  input: Omit<SendCommandCommandInput, 'InstanceIds' | 'Targets'>,
  instanceIds: Iterable<string>,
  retry: RetryThrottledOptions,
): Promise<SentBatch[]> {
  const sent: SentBatch[] = [];
  // One call after the other: SendCommand's rate limit is per account, so parallel calls only
  // turn into throttling.
  for (const batch of batchInstanceIds(instanceIds)) {
    try {
      const answer = await retryThrottled(
        () => ssm.send(new SendCommandCommand({ ...input, InstanceIds: batch })),
        retry,
      );
      const commandId = answer.Command?.CommandId;
      if (commandId === undefined)
        sent.push({ instanceIds: batch, error: new Error('SendCommand returned no CommandId') });
      else sent.push({ instanceIds: batch, commandId });
    } catch (error) {
      sent.push({ instanceIds: batch, error });
    }
  }
  return sent;
}
