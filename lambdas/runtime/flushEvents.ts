import type { MiddlewareObj } from '@middy/core';
import type { EventPublisher } from './EventPublisher.js';

/** middy middleware: publishes the invocation's run events when it ends, whether it succeeded or not. */
export function flushEvents(publisher: EventPublisher): MiddlewareObj {
  const flush = async () => {
    await publisher.flush();
  };
  return { after: flush, onError: flush };
}
