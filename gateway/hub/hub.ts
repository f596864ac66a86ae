/**
 * The hub: active channels of this process by name. A channel starts with its first subscriber and
 * lingers a while after its last one leaves (a page reload then resumes from memory). Publications
 * delivered during one event-loop turn are flushed together at its end.
 *
 * Channels are a budget (`limits.channels`): each costs a JetStream request to start, a NATS
 * subscription and a window. Past `max`, a new channel takes the room of the channel idle longest,
 * or is refused (1024); new channels are also rate limited per connection (1010) and per process
 * (1024). Existing channels are never affected. All windows share one byte budget (WindowBudget).
 */
import { ErrorCode } from '../../proto/codes.js';
import type { ChannelRef } from '../channels/grammar.js';
import type { ChannelLimits } from '../config/schema.js';
import { ClientError } from '../errors.js';
import type { HistoryReader } from '../history/reader.js';
import { headerPicker } from '../history/reader.js';
import type { Logger } from '../log.js';
import type { NatsConnection } from '../nats/connection.js';
import type { Streams } from '../nats/streams.js';
import type { Transcoder } from '../schemas/transcoder.js';
import type { ChannelResolver } from '../channels/grammar.js';
import { RateLimiter } from '../rate-limit.js';
import type { ChannelRefusal } from '../telemetry/stats.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { Channel, type Fanout } from './channel.js';
import { IdleQueue } from './idle.js';
import { WindowBudget } from './window-budget.js';

/** A local subscriber of a channel, told when the channel is reset under it. */
export interface Member {
  channelReset(): void;
}

export interface HubDeps {
  nc: NatsConnection;
  reader: HistoryReader;
  streams: Streams;
  transcoder: Transcoder;
  resolver: ChannelResolver;
  fanout: Fanout;
  log: Logger;
  telemetry: Telemetry;
  limits: ChannelLimits;
  /** Seconds of quiet after which a channel checks the stream for a lost last message (0: never). */
  tailCheckSec: number;
}

/** Most tail checks started per sweep: bounds the JetStream requests of many quiet channels. */
const TAIL_CHECKS_PER_SWEEP = 100;

export class Hub {
  private readonly channels = new Map<string, Channel>();
  private readonly members = new Map<Channel, Set<Member>>();
  /** Channels without subscribers, kept `lingerSec`. */
  private readonly idle = new IdleQueue<Channel>();
  private dirty: Channel[] = [];
  private flushScheduled = false;
  private resetChecks = new Set<string>();
  private readonly windowBudget: WindowBudget;
  /** New channels per process, and per connection (keyed by the connection's own object). */
  private readonly creations: RateLimiter;
  private readonly creationsOf = new WeakMap<object, RateLimiter>();

  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly deps: HubDeps) {
    const { limits } = deps;
    this.windowBudget = new WindowBudget(limits.windowBytes);
    this.creations = new RateLimiter(limits.createPerSec, limits.createPerSec, Date.now());
    this.sweep = setInterval(() => {
      this.removeExpired();
      if (deps.tailCheckSec > 0) this.checkQuietChannels();
    }, 1_000).unref();
  }

  private removeExpired(): void {
    for (const ch of this.idle.takeExpired(Date.now(), this.deps.limits.lingerSec * 1000)) this.remove(ch);
  }

  private checkQuietChannels(): void {
    let started = 0;
    for (const ch of this.channels.values()) {
      ch.quietSweeps++;
      // Past the budget a channel stays due, so the next sweep reaches it (no channel is starved).
      if (ch.quietSweeps < this.deps.tailCheckSec || !ch.tailCheckable || started >= TAIL_CHECKS_PER_SWEEP) continue;
      ch.quietSweeps = 0;
      started++;
      ch.checkTail().catch((e: Error) => this.deps.log.debug({ channel: ch.name, err: e.message }, 'tail check failed'));
    }
  }

  get size(): number {
    return this.channels.size;
  }

  /** Channels without subscribers, lingering. */
  get lingering(): number {
    return this.idle.size;
  }

  /** Estimated bytes all channels' windows hold. */
  get windowBytes(): number {
    return this.windowBudget.bytes;
  }

  /** Local subscribers of all channels. */
  get subscriptions(): number {
    let n = 0;
    for (const m of this.members.values()) n += m.size;
    return n;
  }

  /** Channel names with their local subscriber counts. */
  list(): Array<{ channel: string; subscribers: number }> {
    return [...this.channels.values()].map((c) => ({ channel: c.name, subscribers: this.members.get(c)?.size ?? 0 }));
  }

  /**
   * Joins a new member to a channel, starting the channel if needed; wait for `channel.ready`.
   * `owner` (the connection) is what new channels are rate limited by. Throws ClientError when a
   * new channel is refused.
   */
  join<M extends Member>(ref: ChannelRef, owner: object, makeMember: (ch: Channel) => M): M {
    let ch = this.channels.get(ref.channel);
    if (!ch) {
      this.admitNew(owner);
      ch = this.create(ref);
    }
    this.idle.delete(ch);
    const member = makeMember(ch);
    this.members.get(ch)?.add(member);
    return member;
  }

  leave(ch: Channel, member: Member): void {
    const set = this.members.get(ch);
    if (!set || !set.delete(member) || set.size > 0) return;
    if (ch.state === 'closed' || this.deps.limits.lingerSec === 0) return this.remove(ch);
    this.idle.add(ch, Date.now());
  }

  /** Throws when a new channel may not start now: its connection's rate, the process's rate, the budget. */
  private admitNew(owner: object): void {
    const { limits } = this.deps;
    const now = Date.now();
    let own = this.creationsOf.get(owner);
    if (!own) {
      own = new RateLimiter(limits.createPerConnectionPerSec, limits.createPerConnectionBurst, now);
      this.creationsOf.set(owner, own);
    }
    if (own.check(now) !== 'accept') {
      this.refuse('connection_rate', ErrorCode.RateLimited, `this connection starts channels nobody here subscribes to faster than ${limits.createPerConnectionPerSec} a second; slow down`);
    }
    if (this.creations.check(now) !== 'accept') this.refuse('gateway_rate', ErrorCode.Overloaded, 'this gateway starts no more new channels this second; retry later');
    if (this.channels.size < limits.max) return;
    const oldest = this.idle.oldest();
    if (!oldest) this.refuse('full', ErrorCode.Overloaded, `this gateway holds its most channels (${limits.max}); retry later`);
    this.remove(oldest);
    this.deps.telemetry.stats.channelsEvicted++;
  }

  private refuse(why: ChannelRefusal, code: ErrorCode, message: string): never {
    this.deps.telemetry.stats.channelRefusals[why]++;
    throw new ClientError(code, message, true);
  }

  private create(ref: ChannelRef): Channel {
    const d = this.deps;
    const ch = new Channel(ref, {
      nc: d.nc,
      reader: d.reader,
      transcoder: d.transcoder,
      fanout: d.fanout,
      log: d.log,
      telemetry: d.telemetry,
      markDirty: (c) => this.markDirty(c),
      streamLastSeq: async (stream) => (await d.streams.info(stream))?.state.last_seq ?? 0,
      relativeName: (subject) => d.resolver.relativeName(ref.namespace, subject),
      suspectReset: (c) => void this.checkReset(c.stream),
      windowBudget: this.windowBudget,
    }, headerPicker(ref.namespace.forwardHeaders));
    this.channels.set(ref.channel, ch);
    this.members.set(ch, new Set());
    ch.ready.catch((e: Error) => {
      d.log.warn({ channel: ref.channel, err: e.message }, 'channel failed to start');
      this.remove(ch);
    });
    return ch;
  }

  private remove(ch: Channel): void {
    this.idle.delete(ch);
    ch.close();
    if (this.channels.get(ch.name) === ch) this.channels.delete(ch.name);
    this.members.delete(ch);
  }

  private markDirty(ch: Channel): void {
    this.dirty.push(ch);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const dirty = this.dirty;
    this.dirty = [];
    for (const ch of dirty) ch.flush();
    this.deps.fanout.afterFlush();
  }

  /** After NATS reconnected: streams may have been recreated, and the live path missed messages. */
  async resync(): Promise<void> {
    const streams = new Set([...this.channels.values()].map((c) => c.stream));
    for (const s of streams) await this.checkReset(s);
    for (const ch of this.channels.values()) void ch.recover();
  }

  /**
   * After a stream got a new leader (a NATS node went away): what the old leader republished last
   * may be lost, so its channels re-read from their last sequence.
   */
  recoverStream(stream: string): void {
    let n = 0;
    for (const ch of this.channels.values()) {
      if (ch.stream !== stream) continue;
      n++;
      void ch.recover();
    }
    if (n) this.deps.log.info({ stream, channels: n }, 'stream has a new leader: re-reading its channels');
  }

  /** Re-reads a stream's epoch; when it changed, every channel on it is reset. */
  private async checkReset(stream: string): Promise<void> {
    if (this.resetChecks.has(stream)) return;
    this.resetChecks.add(stream);
    try {
      if (!(await this.deps.streams.refresh(stream))) return;
      this.deps.log.warn({ stream }, 'stream was recreated (new epoch): resetting its channels');
      for (const ch of [...this.channels.values()]) {
        if (ch.stream !== stream) continue;
        const members = [...(this.members.get(ch) ?? [])];
        this.remove(ch);
        for (const m of members) m.channelReset();
      }
    } catch (e) {
      this.deps.log.warn({ stream, err: (e as Error).message }, 'stream epoch check failed');
    } finally {
      this.resetChecks.delete(stream);
    }
  }

  close(): void {
    clearInterval(this.sweep);
    for (const ch of [...this.channels.values()]) this.remove(ch);
  }
}
