/**
 * One pull request to a pull consumer, answered at once (no_wait): up to `max` of the messages it
 * has now, then the end. nats.js v3 dropped v2's JetStreamClient#fetch, and its Consumer#fetch
 * looks the consumer up first and waits for messages that are not there, which a replay read
 * (holding a turn of the read budget) does not want; so this speaks the pull protocol itself.
 */
import { createInbox, type MsgHdrs } from '@nats-io/nats-core';
import type { Nats } from './connection.js';

/** What a replay read needs of a delivered message (the fields of nats.js's JsMsg it uses). */
export interface PulledMsg {
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: MsgHdrs | undefined;
  info: { pending: number; timestampNanos: number };
}

/**
 * Stream sequence, timestamp and pending count from a JetStream ack subject:
 * $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>, or the form with domain
 * and account hash before the stream (and a token after). null when it is neither. Pure.
 */
export function ackInfo(reply: string): { seq: number; timestampNanos: number; pending: number } | null {
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return null;
  const at = t.length === 9 ? 2 : t.length >= 11 ? 4 : -1;
  if (at < 0) return null;
  const [seq, tm, pending] = [t[at + 3], t[at + 5], t[at + 6]].map(Number) as [number, number, number];
  return [seq, tm, pending].every(Number.isFinite) ? { seq, timestampNanos: tm, pending } : null;
}

export async function* pullNow(nats: Nats, stream: string, consumer: string, max: number): AsyncGenerator<PulledMsg> {
  const { apiPrefix = '$JS.API', timeout = 5_000 } = nats.js.getOptions();
  const inbox = createInbox();
  // At most `max` messages, or fewer and a status (404 no messages, 408, 409) that ends the batch.
  const sub = nats.nc.subscribe(inbox, { max: max + 1, timeout });
  try {
    nats.nc.publish(`${apiPrefix}.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify({ batch: max, no_wait: true }), { reply: inbox });
    let got = 0;
    for await (const m of sub) {
      if (m.data.length === 0 && m.headers?.code) return;
      const info = ackInfo(m.reply ?? '');
      if (!info) return;
      yield { seq: info.seq, subject: m.subject, data: m.data, headers: m.headers, info: { pending: info.pending, timestampNanos: info.timestampNanos } };
      if (++got >= max) return;
    }
  } finally {
    sub.unsubscribe();
  }
}
