/**
 * Reads a channel's history from JetStream: short-lived R1 in-memory consumers filtered on the
 * channel's subject, read in batches (so replay follows the reader's pace), deleted when done, and
 * opened only by callers holding a turn of the gateway's read budget (gateway/replay/scheduler.ts).
 * Finding where "the last n" start costs a fixed handful of JetStream calls (tailStart).
 */
import { Header } from '../../proto/headers.js';
import { JetgateError } from '../errors.js';
import { AckPolicy, DeliverPolicy, nanos, type ConsumerConfig, type Nats, type MsgHdrs } from '../nats/connection.js';
import { classify } from '../nats/failure.js';
import { pullNow, type PulledMsg } from '../nats/pull.js';
import type { Turn, TurnScheduler } from '../replay/scheduler.js';

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

function recordOf(m: PulledMsg, pick: HeaderPicker): PubRecord {
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

/** Most message headers a tail search reads (headers only) to skip to its start: bounds its cost. */
export const SCAN_MAX = 4_096;

export interface ReaderOptions {
  /** nats-server deletes a consumer idle this long: only matters after a gateway died mid-read. */
  inactiveSec: number;
  batch?: number;
}

/** Where the last n publications of a range start, and how many of the range come before. */
export interface TailStart {
  seq: number;
  before: number;
}

interface Opened {
  name: string;
  pending: number;
}

export class HistoryReader {
  private readonly batch: number;

  /**
   * @param turns the gateway's read budget: every consumer this reader opens is opened by a caller
   *   holding a turn, so the consumers alive at once never exceed its turns
   */
  constructor(private readonly nats: Nats, readonly turns: TurnScheduler, private readonly opts: ReaderOptions) {
    this.batch = opts.batch ?? 256;
  }

  /** A turn for a gap recovery of the gateway's own (served first, never refused). */
  recoveryTurn(): Turn {
    return this.turns.recovery();
  }

  /** Creates a replay consumer; returns its name and how many publications it will deliver. */
  private async open(stream: string, filter: string, start: StartAt, headersOnly = false): Promise<Opened> {
    const ci = await this.nats.jsm.consumers.add(stream, {
      ...startConfig(start),
      filter_subject: filter,
      ack_policy: AckPolicy.None,
      mem_storage: true,
      num_replicas: 1,
      ...(headersOnly ? { headers_only: true } : {}),
      // Deleted when done; the threshold only cleans up after a gateway that died mid-read.
      inactive_threshold: nanos(this.opts.inactiveSec * 1000),
    });
    return { name: ci.name, pending: ci.num_pending };
  }

  /** Deletes a consumer; awaited, so a turn given back afterwards holds none. */
  private async close(stream: string, name: string): Promise<void> {
    await this.nats.jsm.consumers.delete(stream, name).catch(() => undefined);
  }

  /** Up to `max` messages from a consumer, as they come; one pull request, answered at once. */
  private pull(stream: string, name: string, max: number): AsyncIterable<PulledMsg> {
    return pullNow(this.nats, stream, name, max);
  }

  /** Publications in sequence order, in batches; stop early by breaking out of the loop. */
  async *read(req: ReadRequest, pick: HeaderPicker): AsyncGenerator<PubRecord[]> {
    if (req.untilSeq !== undefined && 'seq' in req.start && req.start.seq > req.untilSeq) return;
    const { name, pending } = await this.open(req.stream, req.filter, req.start);
    try {
      let remaining = pending;
      while (remaining > 0) {
        const out: PubRecord[] = [];
        let done = false;
        for await (const m of this.pull(req.stream, name, Math.min(this.batch, remaining))) {
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
          throw interrupted(req.filter, req.stream, remaining);
        }
        if (out.length) yield out;
        if (done) return;
      }
    } finally {
      await this.close(req.stream, name);
    }
  }

  /** How many publications of the filter have a sequence >= fromSeq. */
  async countFrom(stream: string, filter: string, fromSeq: number): Promise<number> {
    const { name, pending } = await this.open(stream, filter, { seq: fromSeq }, true);
    await this.close(stream, name);
    return pending;
  }

  /**
   * Where the last `n` publications of the filter among firstSeq..lastSeq start (firstSeq when the
   * range holds fewer). A fixed handful of JetStream calls, whatever the stream's size: a count
   * (consumer creation), then the headers of the publications to pass over, read in one pull when
   * they are at most SCAN_MAX — every channel holding at most n + SCAN_MAX publications from
   * firstSeq on. Bigger ranges are first narrowed by halving on counts until that holds (two calls
   * a step); only channels with thousands of publications outside the window get there.
   *
   * @param streamLastSeq the stream's last sequence: a range ending there needs no count past it
   */
  async tailStart(stream: string, filter: string, n: number, firstSeq: number, lastSeq: number, streamLastSeq: number): Promise<TailStart> {
    const head = await this.open(stream, filter, { seq: firstSeq }, true);
    let scanFrom = head;
    try {
      if (head.pending <= n) return { seq: firstSeq, before: 0 };
      if (n <= SCAN_MAX && head.pending - n <= SCAN_MAX) {
        // Few enough to read every header up to lastSeq at once: no count past lastSeq needed.
        const seqs = await this.seqsUpTo(stream, head.name, head.pending, lastSeq, filter);
        return seqs.length <= n ? { seq: firstSeq, before: 0 } : { seq: seqs[seqs.length - n] as number, before: seqs.length - n };
      }
      const after = lastSeq >= streamLastSeq ? 0 : await this.countFrom(stream, filter, lastSeq + 1);
      const inRange = head.pending - after;
      if (inRange <= n) return { seq: firstSeq, before: 0 };
      let skip = inRange - n;
      if (skip > SCAN_MAX) {
        let lo = firstSeq; // more than n + SCAN_MAX from here
        let hi = lastSeq + 1; // fewer than n from here
        for (;;) {
          // (hi - lo <= 1 only when the stream changed meanwhile: then scan from lo, however far.)
          const mid = hi - lo > 1 ? Math.floor((lo + hi) / 2) : lo;
          const probe = await this.open(stream, filter, { seq: mid }, true);
          const k = probe.pending - after;
          if ((k >= n && k - n <= SCAN_MAX) || mid === lo) {
            scanFrom = probe;
            skip = Math.max(0, k - n);
            break;
          }
          await this.close(stream, probe.name);
          if (k < n) hi = mid;
          else lo = mid;
        }
      }
      return { seq: await this.nth(stream, scanFrom.name, skip + 1, filter), before: inRange - n };
    } finally {
      if (scanFrom !== head) await this.close(stream, scanFrom.name);
      await this.close(stream, head.name);
    }
  }

  /** Sequences of the messages a consumer delivers, up to lastSeq (of at most `total`). */
  private async seqsUpTo(stream: string, name: string, total: number, lastSeq: number, filter: string): Promise<number[]> {
    const seqs: number[] = [];
    await this.scan(stream, name, total, filter, (seq) => seq > lastSeq || (seqs.push(seq), false));
    return seqs;
  }

  /** Sequence of the k-th message a consumer delivers. */
  private async nth(stream: string, name: string, k: number, filter: string): Promise<number> {
    let i = 0;
    let at = 0;
    await this.scan(stream, name, k, filter, (seq) => {
      at = seq;
      return ++i === k;
    });
    return at;
  }

  /**
   * Visits the sequences of up to `total` messages of a (headers-only) consumer, in as few pulls as
   * the server allows, until `visit` returns true. Throws when the consumer delivers fewer.
   */
  private async scan(stream: string, name: string, total: number, filter: string, visit: (seq: number) => boolean): Promise<void> {
    let seen = 0;
    while (seen < total) {
      const before = seen;
      for await (const m of this.pull(stream, name, total - seen)) {
        seen++;
        if (visit(m.seq)) return;
      }
      if (seen === before) throw interrupted(filter, stream, total - seen);
    }
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

function interrupted(filter: string, stream: string, remaining: number): JetgateError {
  return new JetgateError('READ_INTERRUPTED', `read of ${filter} in ${stream} stopped with ${remaining} pending`);
}

/** No such message, or no such stream. */
function isNotFound(e: unknown): boolean {
  return classify(e).kind === 'not-found';
}
