/** Publishes sequenced test messages to JetStream the way a producer service would. */
import { headers, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export class Publisher {
  readonly js: JetStreamClient;

  private constructor(readonly nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  /** A JetStream manager on the publisher's connection (stream info, stored messages). */
  jsm(): Promise<JetStreamManager> {
    return jetstreamManager(this.nc);
  }

  /** The message a stream holds at a sequence; throws when it holds none. */
  async stored(stream: string, seq: number): Promise<StoredMsg> {
    const m = await (await this.jsm()).streams.getMessage(stream, { seq });
    if (!m) throw new Error(`stream ${stream} holds no message at ${seq}`);
    return m;
  }

  static async connect(url: string | string[]): Promise<Publisher> {
    return new Publisher(await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 }));
  }

  /**
   * Publishes `count` messages whose payload is "<prefix><i>"; returns their stream sequences.
   */
  async publishMany(subject: string, count: number, prefix = 'm', start = 0, type?: string): Promise<number[]> {
    const h = type ? headers() : undefined;
    if (type) h?.set('Jetgate-Type', type);
    const run = Math.random().toString(36).slice(2);
    const seqs: number[] = [];
    for (let i = start; i < start + count; i++) seqs.push(await this.publish(subject, `${prefix}${i}`, `${run}-${prefix}${i}`, h));
    return seqs;
  }

  /**
   * Publishes one message and returns its stream sequence. Like a careful producer, it retries a
   * publish that got no ack (NATS restarting) with the same Nats-Msg-Id, so a retry is never
   * stored twice.
   */
  async publish(subject: string, payload: string, msgID: string, h?: MsgHdrs): Promise<number> {
    const js = this.js;
    // Long enough for a NATS restart or a stream leader election (JetStream answers 503 meanwhile).
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const ack = await js.publish(subject, new TextEncoder().encode(payload), { msgID, timeout: 2_000, ...(h ? { headers: h } : {}) });
        return ack.seq;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}

export const text = (d: Uint8Array | null | undefined): string => new TextDecoder().decode(d ?? new Uint8Array());

/**
 * Publishes `count` payloads of `size` bytes starting with "<i>:", acks awaited in windows of 100,
 * at most `perSecond` messages a second.
 */
export async function publishBurst(p: Publisher, subject: string, count: number, size: number, perSecond = Infinity): Promise<number[]> {
  const js = p.js;
  const seqs: number[] = [];
  const pad = 'x'.repeat(size);
  const started = Date.now();
  for (let i = 0; i < count; i += 100) {
    const acks = [];
    for (let j = i; j < Math.min(count, i + 100); j++) acks.push(js.publish(subject, new TextEncoder().encode(`${j}:${pad}`.slice(0, Math.max(size, String(j).length + 1)))));
    for (const a of await Promise.all(acks)) seqs.push(a.seq);
    const due = started + ((i + 100) / perSecond) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  return seqs;
}
