/**
 * A request answered by any number of responders (every gateway node): replies are gathered until
 * none came for `quietMs` after the last one, or `maxMs` passed. How many nodes there are is not
 * known, so the count is of those that answered in time.
 */
import { createInbox, type Msg, type NatsConnection } from '@nats-io/nats-core';

export interface GatherOptions {
  quietMs: number;
  maxMs: number;
}

export function gather(nc: NatsConnection, subject: string, data: Uint8Array, opts: GatherOptions): Promise<Msg[]> {
  return new Promise((resolve, reject) => {
    const replies: Msg[] = [];
    let quiet: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(quiet);
      clearTimeout(deadline);
      sub.unsubscribe();
      resolve(replies);
    };
    const sub = nc.subscribe(createInbox(), {
      callback: (err, msg) => {
        if (err) return;
        replies.push(msg);
        clearTimeout(quiet);
        quiet = setTimeout(done, opts.quietMs);
      },
    });
    const deadline = setTimeout(done, opts.maxMs);
    try {
      nc.publish(subject, data, { reply: sub.getSubject() });
    } catch (e) {
      clearTimeout(deadline);
      sub.unsubscribe();
      reject(e as Error);
    }
  });
}
