/**
 * The publisher process: publishes stamped payloads to NATS subjects at a fixed rate (open loop,
 * see Schedule). Every system under test is fed by it the same way; for jetgate the subjects are
 * stored by a JetStream stream (a core publish to a stream's subject is stored without an ack round
 * trip, so the publisher's pace does not depend on the ack latency).
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Schedule } from '../lib/schedule.js';
import { makePayload, nowMicros, writeStamp } from '../lib/stamp.js';

export type PublisherRequest =
  | { type: 'connect'; url: string }
  | { type: 'run'; subjects: string[]; rate: number; durationMs: number; size: number };

export interface RunReply {
  sent: number;
  /** Most the sender fell behind its schedule (ms): large values mean the publisher was the limit. */
  maxLagMs: number;
}

/** Most messages sent in one go before yielding to the event loop (lets nats.js flush). */
const BURST = 2_000;

let nc: NatsConnection | undefined;

async function run(req: Extract<PublisherRequest, { type: 'run' }>): Promise<RunReply> {
  if (!nc) throw new Error('not connected');
  const conn = nc;
  const template = makePayload(req.size);
  const total = Math.max(1, Math.round((req.rate * req.durationMs) / 1000));
  const s = new Schedule(req.rate, nowMicros(), total);
  let maxLag = 0;
  while (!s.done) {
    const now = nowMicros();
    const n = s.due(now, BURST);
    for (let k = 0; k < n; k++) {
      const i = s.next();
      const intended = s.intended(i);
      maxLag = Math.max(maxLag, now - intended);
      const payload = Buffer.from(template); // nats.js queues the buffer itself until it flushes
      writeStamp(payload, intended);
      conn.publish(req.subjects[i % req.subjects.length] as string, payload);
    }
    if (s.done) break;
    const wait = s.waitFor(nowMicros());
    await new Promise((r) => (wait > 1_000 ? setTimeout(r, Math.floor(wait / 1_000)) : setImmediate(r)));
  }
  await conn.flush();
  return { sent: s.count, maxLagMs: Math.round(maxLag / 100) / 10 };
}

async function handle(req: PublisherRequest): Promise<unknown> {
  if (req.type === 'connect') {
    nc = await connect({ servers: req.url, name: 'bench-publisher' });
    return {};
  }
  return run(req);
}

process.on('message', (msg: { id: number; body: PublisherRequest }) => {
  handle(msg.body).then(
    (body) => process.send?.({ id: msg.id, body }),
    (e: Error) => process.send?.({ id: msg.id, body: {}, error: e.message }),
  );
});
process.on('disconnect', () => process.exit(0));
