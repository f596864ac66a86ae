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
 */
import { decodeServer, encodeServer, type ServerMessage } from '../../proto/codec.js';
import type { ChannelRef } from '../channels/grammar.js';
import type { PresenceConfig } from '../config/schema.js';
import { topicOf, type Fanout } from '../hub/channel.js';
import type { Logger } from '../log.js';
import type { Msg, NatsConnection, Subscription } from '../nats/connection.js';
import type { ExpiringBucket } from '../nats/kv.js';
import type { Requester } from '../session/request.js';
import type { Stats } from '../telemetry/stats.js';
import { channelPattern, decodeEntry, encodeEntry, eventSubject, memberKey, type PresenceEntry } from './keys.js';

export interface PresenceDeps {
  nc: NatsConnection;
  bucket: ExpiringBucket;
  fanout: Fanout;
  config: PresenceConfig;
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

/** True when presence is tracked for subscribers of that channel. */
export function tracksPresence(ref: ChannelRef): boolean {
  return ref.namespace.presence && !ref.wildcard;
}

export class Presence {
  /** This node's entries, by KV key. */
  private readonly locals = new Map<string, Local>();
  private readonly feeds = new Map<string, Feed>();
  /** Per key, the tail of its KV writes and announcements: they happen in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly deps: PresenceDeps) {
    this.timer = setInterval(() => this.heartbeat(), deps.config.heartbeatSec * 1000).unref();
  }

  /** Entries this node keeps alive. */
  get members(): number {
    return this.locals.size;
  }

  /** A connection's subscription went live: store its entry, then announce the join. */
  join(ref: ChannelRef, who: Requester): void {
    if (!tracksPresence(ref)) return;
    const key = memberKey(ref.channel, who.id);
    if (this.locals.has(key)) return;
    const entry: PresenceEntry = { user: who.identity.user, clientId: who.id, node: this.deps.node };
    if (who.identity.info) entry.info = who.identity.info;
    const local: Local = { channel: ref.channel, entry, value: encodeEntry(entry) };
    this.locals.set(key, local);
    this.listen(ref.channel);
    this.deps.stats.presenceJoins++;
    this.enqueue(key, async () => {
      await this.store(key, local);
      this.announce(local, 'join');
    });
  }

  /** A connection's subscription ended: remove its entry, then announce the leave. */
  leave(channel: string, clientId: string): void {
    const key = memberKey(channel, clientId);
    const local = this.locals.get(key);
    if (!local) return;
    this.locals.delete(key);
    this.unlisten(channel);
    this.deps.stats.presenceLeaves++;
    this.enqueue(key, async () => {
      await this.deps.bucket.delete(key).catch((e: Error) => this.failed(key, e));
      this.announce(local, 'leave');
    });
  }

  /** Everyone subscribed to the channel on any node, as KV holds it. */
  async list(channel: string): Promise<PresenceEntry[]> {
    const entries = await this.deps.bucket.entries(channelPattern(channel));
    return entries.map((e) => decodeEntry(e.value)).filter((e): e is PresenceEntry => e !== null);
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

  private announce(local: Local, kind: 'join' | 'leave'): void {
    const { user, clientId, info } = local.entry;
    const body = { channel: local.channel, client: { user, clientId, info } };
    const msg: ServerMessage = kind === 'join' ? { join: body } : { leave: body };
    if (this.deps.nc.isClosed()) return;
    this.deps.nc.publish(eventSubject(this.deps.config.subjectPrefix, local.channel), encodeServer('proto', msg));
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

  /** A join or leave from any node: to the channel's live subscribers here, once per format. */
  private forward(channel: string, msg: Msg): void {
    let m: ServerMessage | undefined;
    try {
      m = decodeServer('proto', msg.data)[0];
    } catch {
      m = undefined;
    }
    const body = m?.join ?? m?.leave;
    if (!m || !body || body.channel !== channel) {
      this.deps.log.debug({ channel, subject: msg.subject }, 'not a presence event: ignored');
      return;
    }
    const { fanout } = this.deps;
    const proto = topicOf('proto', channel);
    if (fanout.subscribers(proto) > 0) fanout.publish(proto, msg.data, true);
    const json = topicOf('json', channel);
    if (fanout.subscribers(json) > 0) fanout.publish(json, encodeServer('json', m), false);
  }
}
