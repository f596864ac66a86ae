/**
 * Presence: who is subscribed to a channel, across every gateway node.
 *
 * Each node writes one KV entry per local subscriber of a presence channel (bucket TTL, refreshed
 * every `heartbeatSec`), so a node that dies without cleaning up has its entries expire within
 * `ttlSec`. Queries read the channel's entries from KV.
 *
 * Join and leave travel on a core NATS subject per channel (`<subjectPrefix>.<channel>`), which a
 * node subscribes to while it has subscribers of that channel, and reach them through the channel's
 * fan-out topics. They are not stored in the stream: they carry no sequence, are not replayed on
 * resume, and cost no JetStream write; a subscriber that missed some asks for the list instead.
 * The message is the protocol's own ServerMessage (binary), so binary clients get its bytes as is.
 * A subscriber's join is announced once its subscription is live, so it also gets its own join.
 *
 * Budgets (`limits.presence`): entries this node keeps alive (each a KV write per heartbeat) and
 * presence channels per connection are reserved at subscribe, before any KV write; lists are read
 * with SharedReads (one read per channel at a time, reused briefly, a few at once) and at most
 * `maxListed` entries; a channel's joins and leaves go out together once per `eventIntervalMs`
 * (EventBatch: a join and leave of the same client in one batch cancel out).
 */
import { encodeServer, decodeServer, joinFrames, type ServerMessage } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import type { ChannelRef } from '../channels/grammar.js';
import type { PresenceConfig, PresenceLimits } from '../config/schema.js';
import { ClientError } from '../errors.js';
import { topicOf, type Fanout } from '../hub/channel.js';
import type { Logger } from '../log.js';
import type { Msg, NatsConnection, Subscription } from '../nats/connection.js';
import type { ExpiringBucket } from '../nats/kv.js';
import type { Requester } from '../session/request.js';
import type { PresenceRefusal, Stats } from '../telemetry/stats.js';
import { EventBatch, type MemberEvent } from './event-batch.js';
import { channelPattern, decodeEntry, encodeEntry, eventSubject, memberKey, type PresenceEntry } from './keys.js';
import { SharedReads } from './shared-reads.js';

export interface PresenceDeps {
  nc: NatsConnection;
  bucket: ExpiringBucket;
  fanout: Fanout;
  config: PresenceConfig;
  limits: PresenceLimits;
  node: string;
  stats: Stats;
  log: Logger;
}

interface Local {
  channel: string;
  entry: PresenceEntry;
  value: Uint8Array;
}

/** A channel's join/leave subscription on this node, shared by its local members. */
interface Feed {
  sub: Subscription;
  members: number;
}

interface Announced extends MemberEvent {
  msg: ServerMessage;
}

/** A channel's events waiting for their interval to end. */
interface Pending {
  batch: EventBatch<Announced>;
  timer: NodeJS.Timeout;
}

/** True when presence is tracked for subscribers of that channel. */
export function tracksPresence(ref: ChannelRef): boolean {
  return ref.namespace.presence && !ref.wildcard;
}

export class Presence {
  /** This node's entries, by KV key. */
  private readonly locals = new Map<string, Local>();
  /** Keys reserved at subscribe whose subscription is not live yet. */
  private readonly reserved = new Set<string>();
  /** Reserved and live entries per connection. */
  private readonly perClient = new Map<string, number>();
  private readonly feeds = new Map<string, Feed>();
  /** Per key, the tail of its KV writes and announcements: they happen in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, Pending>();
  private readonly reads: SharedReads<PresenceEntry[]>;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly deps: PresenceDeps) {
    this.timer = setInterval(() => this.heartbeat(), deps.config.heartbeatSec * 1000).unref();
    this.reads = new SharedReads(deps.limits.maxReads, deps.limits.cacheMs);
  }

  /** Entries this node keeps alive. */
  get members(): number {
    return this.locals.size;
  }

  /**
   * A connection subscribes to the channel: reserves its entry within the budgets (throws
   * ClientError past them). `join` uses the reservation, `leave` gives it back.
   */
  reserve(ref: ChannelRef, who: Requester): void {
    if (!tracksPresence(ref)) return;
    const { limits } = this.deps;
    const key = memberKey(ref.channel, who.id);
    if (this.locals.has(key) || this.reserved.has(key)) return;
    const mine = this.perClient.get(who.id) ?? 0;
    if (mine >= limits.perConnection) {
      this.refuse('per_connection', ErrorCode.TooManySubscriptions, `at most ${limits.perConnection} presence channels per connection`, false);
    }
    if (this.locals.size + this.reserved.size >= limits.maxMembers) {
      this.refuse('members', ErrorCode.Overloaded, 'this gateway tracks its most presence members; retry later', true);
    }
    this.reserved.add(key);
    this.perClient.set(who.id, mine + 1);
  }

  private refuse(why: PresenceRefusal, code: ErrorCode, message: string, temporary: boolean): never {
    this.deps.stats.presenceRefusals[why]++;
    throw new ClientError(code, message, temporary);
  }

  private release(clientId: string): void {
    const n = (this.perClient.get(clientId) ?? 1) - 1;
    if (n > 0) this.perClient.set(clientId, n);
    else this.perClient.delete(clientId);
  }

  /** A connection's subscription went live: store its (reserved) entry, then announce the join. */
  join(ref: ChannelRef, who: Requester): void {
    if (!tracksPresence(ref)) return;
    const key = memberKey(ref.channel, who.id);
    if (!this.reserved.delete(key)) return;
    const entry: PresenceEntry = { user: who.identity.user, clientId: who.id, node: this.deps.node };
    if (who.identity.info) entry.info = who.identity.info;
    const local: Local = { channel: ref.channel, entry, value: encodeEntry(entry) };
    this.locals.set(key, local);
    this.listen(ref.channel);
    this.deps.stats.presenceJoins++;
    this.enqueue(key, async () => {
      await this.store(key, local);
      this.changed(local, 'join');
    });
  }

  /** A connection's subscription ended: remove its entry, then announce the leave. */
  leave(channel: string, clientId: string): void {
    const key = memberKey(channel, clientId);
    if (this.reserved.delete(key)) return this.release(clientId);
    const local = this.locals.get(key);
    if (!local) return;
    this.locals.delete(key);
    this.release(clientId);
    this.unlisten(channel);
    this.deps.stats.presenceLeaves++;
    this.enqueue(key, async () => {
      await this.deps.bucket.delete(key).catch((e: Error) => this.failed(key, e));
      this.changed(local, 'leave');
    });
  }

  /**
   * Everyone subscribed to the channel on any node, as KV holds it (at most `maxListed`; shared
   * with other requests for the channel). Throws ClientError 1024 when too many reads run.
   */
  async list(channel: string): Promise<PresenceEntry[]> {
    const { stats, limits } = this.deps;
    const got = this.reads.get(channel, async () => {
      stats.presenceReads++;
      const entries = await this.deps.bucket.entries(channelPattern(channel), limits.maxListed);
      return entries.map((e) => decodeEntry(e.value)).filter((e): e is PresenceEntry => e !== null);
    });
    if (!got) this.refuse('reads', ErrorCode.Overloaded, 'this gateway reads its most presence lists at once; retry later', true);
    if (got.shared) stats.presenceReadsShared++;
    return got.value;
  }

  /** Rewrites every entry (the bucket's TTL would expire them); also after NATS reconnected. */
  heartbeat(): void {
    for (const [key, local] of this.locals) {
      // An entry with a write still in flight needs no second one.
      if (!this.chains.has(key)) this.enqueue(key, () => this.store(key, local));
    }
  }

  /** Waits for pending writes and announcements (leaves of closed connections), then stops. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    while (this.chains.size) await Promise.allSettled([...this.chains.values()]);
    for (const channel of [...this.pending.keys()]) this.sendEvents(channel);
    for (const f of this.feeds.values()) f.sub.unsubscribe();
    this.feeds.clear();
  }

  private async store(key: string, local: Local): Promise<void> {
    await this.deps.bucket.put(key, local.value).catch((e: Error) => this.failed(key, e));
  }

  private failed(key: string, e: Error): void {
    this.deps.stats.presenceErrors++;
    this.deps.log.debug({ key, err: e.message }, 'presence write failed');
  }

  private enqueue(key: string, op: () => Promise<void>): void {
    const next = (this.chains.get(key) ?? Promise.resolve()).then(op).catch((e: Error) => this.failed(key, e));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  /** This node's entry was written or deleted: lists read before are stale; the event joins the channel's batch. */
  private changed(local: Local, kind: 'join' | 'leave'): void {
    this.reads.forget(local.channel);
    const { user, clientId, info } = local.entry;
    const body = { channel: local.channel, client: { user, clientId, info } };
    const event: Announced = { kind, clientId, msg: kind === 'join' ? { join: body } : { leave: body } };
    const interval = this.deps.limits.eventIntervalMs;
    if (interval === 0) return this.announce(local.channel, [event]);
    let p = this.pending.get(local.channel);
    if (!p) {
      p = { batch: new EventBatch(), timer: setTimeout(() => this.sendEvents(local.channel), interval) };
      this.pending.set(local.channel, p);
    }
    p.batch.add(event);
  }

  private sendEvents(channel: string): void {
    const p = this.pending.get(channel);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(channel);
    this.announce(channel, p.batch.take());
  }

  /** Publishes events of a channel to every node, in one message (nothing when they cancelled out). */
  private announce(channel: string, events: Announced[]): void {
    if (events.length === 0 || this.deps.nc.isClosed()) return;
    this.deps.nc.publish(eventSubject(this.deps.config.subjectPrefix, channel), joinFrames('proto', events.map((e) => encodeServer('proto', e.msg))));
  }

  private listen(channel: string): void {
    const feed = this.feeds.get(channel);
    if (feed) {
      feed.members++;
      return;
    }
    const sub = this.deps.nc.subscribe(eventSubject(this.deps.config.subjectPrefix, channel), {
      callback: (err, msg) => err ? undefined : this.forward(channel, msg),
    });
    this.feeds.set(channel, { sub, members: 1 });
  }

  private unlisten(channel: string): void {
    const feed = this.feeds.get(channel);
    if (!feed || --feed.members > 0) return;
    feed.sub.unsubscribe();
    this.feeds.delete(channel);
  }

  /** Joins and leaves from any node: to the channel's live subscribers here, one frame per format. */
  private forward(channel: string, msg: Msg): void {
    let events: ServerMessage[];
    try {
      events = decodeServer('proto', msg.data);
    } catch {
      events = [];
    }
    const valid = events.filter((m) => (m.join ?? m.leave)?.channel === channel);
    if (valid.length === 0 || valid.length !== events.length) {
      this.deps.log.debug({ channel, subject: msg.subject }, 'not a presence event: ignored');
      return;
    }
    this.reads.forget(channel);
    const { fanout } = this.deps;
    const proto = topicOf('proto', channel);
    if (fanout.subscribers(proto) > 0) fanout.publish(proto, msg.data, true);
    const json = topicOf('json', channel);
    if (fanout.subscribers(json) > 0) fanout.publish(json, joinFrames('json', valid.map((m) => encodeServer('json', m))), false);
  }
}
