/**
 * Reads a channel's history from JetStream: short-lived R1 in-memory consumers filtered on the
 * channel's subject, read in batches (so replay follows the reader's pace), deleted when done.
 */
import { AckPolicy, DeliverPolicy, nanos, type ConsumerConfig, type Nats, type MsgHdrs, type JsMsg } from '../nats/connection.js';
import { classify } from '../nats/failure.js';

/** A message as stored in JetStream, with what the gateway needs of it. */
export interface PubRecord {
  seq: number;
  /** Stream subject the publication was stored under. */
  subject: string;
  data: Uint8Array;
  type: string | undefined;
  time: number;
  headers: Record<string, string> | undefined;
}
import { Header } from '../../proto/headers.js';
import { JetgateError } from '../errors.js';

/** Header a producer sets to name the protobuf message type of its payload. */

export type StartAt = { seq: number } | { time: number } | { lastPerSubject: true };

export interface ReadRequest {
  stream: string;
  filter: string;
  start: StartAt;
  /** Stop after the publication with this sequence (inclusive). */
  untilSeq?: number;
}

export type HeaderPicker = (h: MsgHdrs | undefined) => Record<string, string> | undefined;

/** Picks the headers a namespace forwards to clients. */
export function headerPicker(names: readonly string[]): HeaderPicker {
  if (names.length === 0) return () => undefined;
  return (h) => {
    if (!h) return undefined;
    let out: Record<string, string> | undefined;
    for (const n of names) {
      const v = h.get(n);
      if (v) (out ??= {})[n] = v;
    }
    return out;
  };
}

export function recordOf(m: JsMsg, pick: HeaderPicker): PubRecord {
  return {
    seq: m.seq,
    subject: m.subject,
    data: m.data,
    type: m.headers?.get(Header.Type) || undefined,
    time: Math.floor(m.info.timestampNanos / 1e6),
    headers: pick(m.headers),
  };
}

function startConfig(start: StartAt): Partial<ConsumerConfig> {
  if ('seq' in start) return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, start.seq) };
  if ('time' in start) return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(start.time).toISOString() };
  return { deliver_policy: DeliverPolicy.LastPerSubject };
}

export class HistoryReader {
  constructor(private readonly nats: Nats, private readonly batch = 256) {}

  /** Creates a replay consumer; returns its name and how many publications it will deliver. */
  private async open(stream: string, filter: string, start: StartAt): Promise<{ name: string; pending: number }> {
    const ci = await this.nats.jsm.consumers.add(stream, {
      ...startConfig(start),
      filter_subject: filter,
      ack_policy: AckPolicy.None,
      mem_storage: true,
      num_replicas: 1,
      // Deleted when done; the threshold only cleans up after a gateway that died mid-read.
      inactive_threshold: nanos(30_000),
    });
    return { name: ci.name, pending: ci.num_pending };
  }

  private close(stream: string, name: string): void {
    this.nats.jsm.consumers.delete(stream, name).catch(() => undefined);
  }

  /** Publications in sequence order, in batches; stop early by breaking out of the loop. */
  async *read(req: ReadRequest, pick: HeaderPicker): AsyncGenerator<PubRecord[]> {
    if (req.untilSeq !== undefined && 'seq' in req.start && req.start.seq > req.untilSeq) return;
    const { name, pending } = await this.open(req.stream, req.filter, req.start);
    try {
      let remaining = pending;
      const consumer = await this.nats.js.consumers.get(req.stream, name);
      while (remaining > 0) {
        const iter = await consumer.fetch({ max_messages: Math.min(this.batch, remaining), expires: 5_000 });
        const out: PubRecord[] = [];
        let done = false;
        for await (const m of iter) {
          remaining = m.info.pending;
          if (req.untilSeq !== undefined && m.seq > req.untilSeq) {
            done = true;
            break;
          }
          out.push(recordOf(m, pick));
        }
        if (out.length === 0 && !done) {
          // The consumer counted more but delivered nothing: its NATS node went away, or the stream
          // was trimmed under it. Ending here would pass a gap off as the end: callers read again
          // with a fresh consumer, whose count is right either way.
          throw new JetgateError('READ_INTERRUPTED', `read of ${req.filter} in ${req.stream} stopped with ${remaining} pending`);
        }
        if (out.length) yield out;
        if (done) return;
      }
    } finally {
      this.close(req.stream, name);
    }
  }

  /** How many publications of the filter have a sequence >= fromSeq. */
  async countFrom(stream: string, filter: string, fromSeq: number): Promise<number> {
    const { name, pending } = await this.open(stream, filter, { seq: fromSeq });
    this.close(stream, name);
    return pending;
  }

  /**
   * Sequence of the n-th last publication of the filter among those <= lastSeq (binary search on
   * consumer counts: only used when a rewind reaches past a channel's in-memory window).
   */
  async rewindStart(stream: string, filter: string, n: number, firstSeq: number, lastSeq: number): Promise<number> {
    const after = await this.countFrom(stream, filter, lastSeq + 1);
    const want = n + after;
    if ((await this.countFrom(stream, filter, firstSeq)) <= want) return firstSeq;
    let lo = firstSeq; // count(lo) > want
    let hi = lastSeq; // find the largest s with count(s) >= want
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      if ((await this.countFrom(stream, filter, mid)) >= want) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Subject of the message stored at a sequence, or null when the stream does not hold it. */
  async subjectAt(stream: string, seq: number): Promise<string | null> {
    try {
      return (await this.nats.jsm.streams.getMessage(stream, { seq }))?.subject ?? null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Last publication stored under a subject, or null. */
  async lastOf(stream: string, subject: string, pick: HeaderPicker): Promise<PubRecord | null> {
    try {
      const m = await this.nats.jsm.streams.getMessage(stream, { last_by_subj: subject });
      if (!m) return null;
      return {
        seq: m.seq,
        subject: m.subject,
        data: m.data,
        type: m.header?.get(Header.Type) || undefined,
        time: m.time.getTime(),
        headers: pick(m.header),
      };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }
}

/** No such message, or no such stream. */
function isNotFound(e: unknown): boolean {
  return classify(e).kind === 'not-found';
}
