/**
 * One active channel in one gateway process: a single core NATS subscription to the subject the
 * stream republishes to, shared by every local subscriber. Live messages pass the gap detector; a
 * gap is filled from JetStream before anything later is delivered. Delivered publications go to
 * the recent window and, once per event-loop turn, to the fan-out (one frame per wire format).
 */
import type { Format } from '../../proto/codec.js';
import { joinFrames } from '../../proto/codec.js';
import { Header } from '../../proto/headers.js';
import type { ChannelRef } from '../channels/grammar.js';
import type { HeaderPicker, HistoryReader, PubRecord } from '../history/reader.js';
import type { Logger } from '../log.js';
import { headerValues, type Msg, type NatsConnection, type Subscription } from '../nats/connection.js';
import type { Transcoder } from '../schemas/transcoder.js';
import type { Stats } from '../telemetry/stats.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { endSpan, sampledFlag, type Span, type Tracing } from '../telemetry/tracing.js';
import { GapDetector } from './gap.js';
import { Pub } from './publication.js';
import { RecentWindow } from './window.js';
import type { WindowBudget } from './window-budget.js';

/** Where frames go: uWS topics in the gateway. */
export interface Fanout {
  publish(topic: string, frame: Uint8Array | string, binary: boolean): void;
  subscribers(topic: string): number;
  /** Called once after each event-loop turn's flush. */
  afterFlush(): void;
}

export interface ChannelDeps {
  nc: NatsConnection;
  reader: HistoryReader;
  transcoder: Transcoder;
  fanout: Fanout;
  log: Logger;
  telemetry: Telemetry;
  /** Called when the channel has publications to flush this turn. */
  markDirty(ch: Channel): void;
  /** Stream's current last sequence (for wildcard channels' starting point). */
  streamLastSeq(stream: string): Promise<number>;
  /** Relative subject name of a stream subject, for wildcard channels. */
  relativeName(subject: string): string;
  /** Called when the stream behind the channel looks recreated (sequence went backwards). */
  suspectReset(ch: Channel): void;
  /** The gateway-wide budget every channel's window charges. */
  windowBudget: WindowBudget;
}

export type ChannelState = 'starting' | 'live' | 'recovering' | 'closed';

/** Live messages held while a gap is filled; past this they are dropped (JetStream has them). */
const MAX_HELD = 10_000;

const FORMATS: readonly Format[] = ['proto', 'json'];
/** What the live path reads of each republished message (headerValues keeps this order). */
const LIVE_HEADERS = ['Nats-Sequence', 'Nats-Subject', 'Nats-Last-Sequence', Header.Type, Header.Traceparent] as const;

export function topicOf(format: Format, channel: string): string {
  return `${format}|${channel}`;
}

interface LiveMsg {
  rec: PubRecord;
  prev: number;
  /** Receive span, when the producer's trace is sampled. */
  span: Span | undefined;
}

export class Channel {
  state: ChannelState = 'starting';
  /** Local subscribers (live or replaying). */
  refs = 0;
  readonly ready: Promise<void>;

  private sub: Subscription | undefined;
  private detector!: GapDetector;
  private win!: RecentWindow<Pub>;
  private held: LiveMsg[] = [];
  private heldOverflow = false;
  /** Sequence of the live message that started the last recovery. */
  private gapAt = 0;
  /** Hub sweeps since the last live message or tail check. */
  quietSweeps = 0;
  private pending: Pub[] = [];
  private flushed = 0;
  private readonly pick: HeaderPicker;
  private readonly stats: Stats;
  private readonly tracing: Tracing;
  /** Pending publications that carry a receive span. */
  private traced = 0;
  /** Receive span of the live message that revealed the gap being recovered. */
  private gapSpan: Span | undefined;
  private readonly forwards: boolean;
  /** uWS topic per wire format, built once: flush runs for every channel on every busy turn. */
  private readonly topics: Readonly<Record<Format, string>>;

  constructor(readonly ref: ChannelRef, private readonly deps: ChannelDeps, pick: HeaderPicker) {
    this.pick = pick;
    this.stats = deps.telemetry.stats;
    this.tracing = deps.telemetry.tracing;
    this.forwards = ref.namespace.forwardHeaders.length > 0;
    this.topics = { proto: topicOf('proto', ref.channel), json: topicOf('json', ref.channel) };
    this.ready = this.start();
  }

  get name(): string {
    return this.ref.channel;
  }

  get stream(): string {
    return this.ref.namespace.stream;
  }

  /** Last sequence handed to the fan-out: a subscriber joining the topic now gets what follows. */
  get flushedSeq(): number {
    return this.flushed;
  }

  get window(): RecentWindow<Pub> {
    return this.win;
  }

  makePub(rec: PubRecord): Pub {
    return new Pub(this.name, rec, this.ref.wildcard ? this.deps.relativeName(rec.subject) : undefined, this.deps.transcoder);
  }

  private async start(): Promise<void> {
    // Subscribe before reading the position, so nothing published in between is missed: messages
    // at or below the position are dropped as duplicates.
    this.sub = this.deps.nc.subscribe(this.ref.liveSubject, { callback: (err, msg) => err ? undefined : this.onLive(msg) });
    const startSeq = this.ref.wildcard
      ? await this.deps.streamLastSeq(this.stream)
      : (await this.deps.reader.lastOf(this.stream, this.ref.subject, this.pick))?.seq ?? 0;
    if (this.state === 'closed') return; // evicted while starting: it holds nothing
    this.detector = new GapDetector(startSeq, this.ref.wildcard ? undefined : this.ref.subject);
    this.win = new RecentWindow<Pub>(this.ref.namespace.window, startSeq, this.deps.windowBudget);
    this.flushed = startSeq;
    this.state = 'live';
    this.drainHeld();
  }

  private onLive(msg: Msg): void {
    if (this.state === 'closed') return;
    this.quietSweeps = 0;
    const [seqText, subject, prevText, type, traceparent] = headerValues(msg, LIVE_HEADERS);
    const seq = Number(seqText);
    if (!seq || !subject) return; // not a republished message: nothing to order it by
    this.stats.liveReceived++;
    this.stats.liveReceivedBytes += msg.data.length;
    const live: LiveMsg = {
      // Decoding all headers is left to sampled traced publications (when tracing is on).
      span: traceparent && this.tracing.enabled && sampledFlag(traceparent) ? this.tracing.receive(msg.headers, this.name, subject, seq) : undefined,
      prev: Number(prevText || 0),
      rec: {
        seq,
        subject,
        data: msg.data,
        type: type || undefined,
        // RePublish on 2.9 carries no timestamp: the receipt time is within milliseconds of storage.
        time: Date.now(),
        // Decoding every header is left to namespaces that forward some.
        headers: this.forwards ? this.pick(msg.headers) : undefined,
      },
    };
    if (this.state !== 'live') {
      this.hold(live);
      return;
    }
    this.offer(live);
  }

  private hold(live: LiveMsg): void {
    if (this.held.length < MAX_HELD) return void this.held.push(live);
    this.heldOverflow = true;
    this.drop(live, 'held_overflow');
  }

  private drop(live: LiveMsg, reason: keyof Stats['dropped']): void {
    this.stats.dropped[reason]++;
    endSpan(live.span, undefined, { 'jetgate.dropped': reason });
  }

  private offer(live: LiveMsg): void {
    switch (this.detector.check(live.rec.subject, live.rec.seq, live.prev)) {
      case 'deliver':
        this.commit(live.rec, live.span);
        break;
      case 'duplicate':
        this.drop(live, 'duplicate');
        if (live.rec.seq < this.detector.lastSeq - this.win.capacity) this.deps.suspectReset(this);
        break;
      case 'gap':
        if (live.rec.seq === this.gapAt) {
          // Still a gap after a recovery: make sure the stream really holds it (a message published
          // straight to the live subject must not send the channel into endless recoveries).
          void this.verifyThenRecover(live);
          break;
        }
        this.gapAt = live.rec.seq;
        this.gapSpan = live.span;
        this.hold(live);
        void this.recover();
        break;
    }
  }

  private async verifyThenRecover(live: LiveMsg): Promise<void> {
    this.state = 'recovering';
    let stored = false;
    try {
      stored = (await this.deps.reader.subjectAt(this.stream, live.rec.seq)) === live.rec.subject;
    } catch {
      stored = true; // cannot tell: keep it and let the recovery decide
    }
    this.state = 'live';
    if (!stored) {
      this.deps.log.warn({ channel: this.name, seq: live.rec.seq }, 'live message is not in the stream: dropped');
      this.drop(live, 'not_in_stream');
      this.drainHeld();
      return;
    }
    this.hold(live);
    void this.recover();
  }

  private drainHeld(): void {
    while (this.held.length && this.state === 'live') {
      const batch = this.held;
      this.held = [];
      for (let i = 0; i < batch.length; i++) {
        if (this.state !== 'live') {
          // A gap was found mid-batch: keep the rest for after the recovery, in order.
          this.held.push(...batch.slice(i));
          return;
        }
        this.offer(batch[i] as LiveMsg);
      }
    }
  }

  private commit(rec: PubRecord, span?: Span): void {
    const pub = this.makePub(rec);
    if (span) {
      pub.span = span;
      this.traced++;
    }
    this.detector.accept(rec.subject, rec.seq);
    this.win.push(pub);
    this.pending.push(pub);
    if (this.pending.length === 1) this.deps.markDirty(this);
  }

  /** Hands this turn's publications to the fan-out, one frame per wire format with subscribers. */
  flush(): void {
    const pubs = this.pending;
    if (pubs.length === 0) return;
    this.pending = [];
    const started = this.traced ? Date.now() : 0;
    let subscribers = 0;
    for (const format of FORMATS) {
      const topic = this.topics[format];
      const n = this.deps.fanout.subscribers(topic);
      if (n === 0) continue;
      const frame = joinFrames(format, pubs.map((p) => p.frame(format)));
      this.deps.fanout.publish(topic, frame, format === 'proto');
      subscribers += n;
      this.stats.liveDelivered += n * pubs.length;
      this.stats.liveDeliveredBytes += n * frame.length;
    }
    this.flushed = (pubs[pubs.length - 1] as Pub).seq;
    if (this.traced) this.endTraces(pubs, started, subscribers);
  }

  private endTraces(pubs: Pub[], started: number, subscribers: number): void {
    this.traced = 0;
    for (const p of pubs) {
      if (!p.span) continue;
      this.tracing.delivered(p.span, started, subscribers, pubs.length);
      p.span = undefined;
    }
  }

  /**
   * Fills what the live path missed from JetStream (after a gap, or after NATS reconnected), then
   * delivers what was held meanwhile. Retries until it succeeds or the channel closes.
   */
  async recover(): Promise<void> {
    if (this.state !== 'live') return;
    this.state = 'recovering';
    const started = performance.now();
    const span = this.tracing.recover(this.name, this.detector.lastSeq + 1, this.gapSpan);
    this.gapSpan = undefined;
    let recovered = 0;
    for (let attempt = 0; this.state === 'recovering'; attempt++) {
      // Recoveries take turns of the read budget too (first in line, with turns kept for them), so
      // clients' replays cannot starve them and a mass recovery is not a mass of consumers.
      const turn = this.deps.reader.recoveryTurn();
      try {
        await turn.granted;
        if (this.state !== 'recovering') break;
        const reads = this.deps.reader.read({ stream: this.stream, filter: this.ref.subject, start: { seq: this.detector.lastSeq + 1 } }, this.pick);
        for await (const batch of reads) {
          if (this.state !== 'recovering') break;
          for (const rec of batch) {
            if (rec.seq <= this.detector.lastSeq) continue;
            this.commit(rec);
            recovered++;
          }
        }
        if (this.heldOverflow) {
          // Held messages were dropped: read again up to the newest (the held ones are kept).
          this.heldOverflow = false;
          continue;
        }
        if (this.state === 'recovering') this.state = 'live';
      } catch (e) {
        turn.release();
        this.stats.recoveryErrors++;
        span?.addEvent('attempt failed', { 'exception.message': (e as Error).message });
        this.deps.log.warn({ channel: this.name, err: (e as Error).message, attempt }, 'channel recovery failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** attempt)));
      } finally {
        turn.release();
      }
    }
    if (this.state === 'live') {
      this.stats.recoveries++;
      this.deps.telemetry.metrics?.recovered((performance.now() - started) / 1000);
    }
    endSpan(span, undefined, { 'jetgate.recovered': recovered, 'jetgate.outcome': this.state === 'live' ? 'ok' : 'closed' });
    this.drainHeld();
  }

  /**
   * A lost live message is noticed when the next one of its subject arrives; for the last one before
   * a quiet spell there is no next one. The hub asks quiet single-subject channels to compare their
   * position with the stream's now and then.
   */
  /** Whether checkTail can find anything: a live channel naming one subject. */
  get tailCheckable(): boolean {
    return this.state === 'live' && !this.ref.wildcard;
  }

  async checkTail(): Promise<void> {
    if (!this.tailCheckable) return;
    const last = await this.deps.reader.lastOf(this.stream, this.ref.subject, this.pick);
    if (last && last.seq > this.detector.lastSeq && this.state === 'live') {
      this.deps.log.info({ channel: this.name, seq: last.seq }, 'a stored publication never arrived live: recovering');
      await this.recover();
    }
  }

  close(): void {
    this.state = 'closed';
    this.sub?.unsubscribe();
    for (const live of this.held) live.span?.end();
    for (const p of this.pending) p.span?.end();
    this.held = [];
    this.pending = [];
    this.traced = 0;
    this.win?.clear(); // gives its bytes back to the budget (undefined when closed while starting)
  }
}
