/**
 * The one way the gateway stores a publication in JetStream (a client's publish, the server API's,
 * the CLI's): headers, and Nats-Msg-Id so a repeat within the stream's duplicate window is stored
 * once. Failures come out classified (failure.ts), so every caller agrees on which are temporary.
 */
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { JetStreamClient } from './connection.js';
import { classify } from './failure.js';

export interface Publication {
  subject: string;
  data: Uint8Array;
  headers: Iterable<readonly [string, string]>;
  /** Nats-Msg-Id; none when empty or absent. */
  msgId?: string | undefined;
}

export interface Stored {
  stream: string;
  seq: number;
  duplicate: boolean;
}

/** Stores a publication; throws NatsFailure. */
export async function storePublication(js: JetStreamClient, pub: Publication): Promise<Stored> {
  const h = natsHeaders();
  for (const [k, v] of pub.headers) h.set(k, v);
  try {
    const ack = await js.publish(pub.subject, pub.data, { headers: h, ...(pub.msgId ? { msgID: pub.msgId } : {}) });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (e) {
    throw classify(e);
  }
}
