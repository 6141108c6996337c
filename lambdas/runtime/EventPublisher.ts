import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { RunEvent } from '../../shared/engine/RunnerDeps.js';
import { logger } from './logger.js';

/** `source` of every event stepfleet publishes. */
export const EVENT_SOURCE = 'stepfleet';

/** `detail-type` of each kind of event. Host events are not published (see the README, "Subscribe to run events"). */
export const DETAIL_TYPES = {
  run: 'Stepfleet Run Status Change',
  task: 'Stepfleet Task Status Change',
} as const;

/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;

/**
 * Collects the run and task status changes of one invocation and publishes them to EventBridge
 * when the invocation ends ({@link EventPublisher.flush}). `emit` never throws, as RunnerDeps asks;
 * a failed publish is logged, never fails the run: events inform subscribers, the store is the
 * record.
 */
export class EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #busName: string;
  #pending: PutEventsRequestEntry[] = [];

  constructor(client: EventBridgeClient, busName: string) {
    this.#client = client;
    this.#busName = busName;
  }

  /** Queues an event (RunnerDeps.emit). Host events are dropped: one per host would flood subscribers. */
  readonly emit = (event: RunEvent): void => {
    if (event.kind === 'host') return;
    this.#pending.push({
      EventBusName: this.#busName,
      Source: EVENT_SOURCE,
      DetailType: DETAIL_TYPES[event.kind],
      Resources: [],
      Time: new Date(event.at),
      Detail: JSON.stringify(event),
    });
  };

  /** Publishes what was queued; returns how many entries failed. */
  async flush(): Promise<number> {
    const entries = this.#pending;
    this.#pending = [];
    let failed = 0;
    for (let i = 0; i < entries.length; i += ENTRIES_PER_CALL) {
      const batch = entries.slice(i, i + ENTRIES_PER_CALL);
      try {
        const result = await this.#client.send(new PutEventsCommand({ Entries: batch }));
        failed += result.FailedEntryCount ?? 0;
      } catch (error) {
        failed += batch.length;
        logger.warn('could not publish run events', { count: batch.length, error: (error as Error).name });
      }
    }
    if (failed > 0) logger.warn('run events not published', { failed });
    return failed;
  }
}
