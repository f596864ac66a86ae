/**
 * The SharedWorker's core in shared mode: one client (one WebSocket) for every tab of an origin.
 * It counts subscriptions across tabs (a channel is subscribed at the gateway once while any tab
 * wants it and unsubscribed when the last one leaves or its tab dies), gives each tab exactly the
 * publications after its own position (from the recent publications it holds, else from the
 * channel's history), runs the tabs' requests and relays the connection's events. Knows ports and
 * a client only through the interfaces below, so unit tests drive it with fakes.
 */
import type { JetgateClient } from '../client.js';
import type { ClientEvents, ClientState } from '../options.js';
import type { ConnectInfo, Position, Publication, SubscribedInfo } from '../messages.js';
import type { StartOptions } from '../position.js';
import type { SubscribeOptions, Subscription } from '../subscription.js';
import { backfill } from './backfill.js';
import { fromWire, toWire, type CallOp, type PortLike, type ToTab, type ToWorker, type WorkerClientOptions } from './wire.js';

export type SharedClient = Pick<JetgateClient, 'state' | 'connect' | 'close' | 'subscribe' | 'publish' | 'rpc' | 'presence' | 'history' | 'on'>;

export interface HubOptions {
  /** Makes the one client, on the first tab's hello; `getToken` asks the tabs. */
  newClient(options: WorkerClientOptions, getToken: (() => Promise<string>) | undefined): SharedClient;
  /** Publications held per channel for tabs that resume (default 1 000). */
  bufferSize?: number;
  /** Most history read for one tab's start (default 10 000). */
  maxBackfill?: number;
  /** A tab silent this long is taken for dead (default 75 s: hidden tabs' timers may run once a minute). */
  tabTimeoutMs?: number;
  /** Wait for a tab's token (default 10 s), then ask another tab. */
  tokenTimeoutMs?: number;
  /** Called with a tab's lock name: resolves when that tab is gone (Web Locks); optional. */
  whenReleased?(lock: string): Promise<void>;
}

interface Tab {
  port: PortLike;
  seen: number;
  members: Map<number, Member>;
  tokens: Map<number, { resolve(t: string): void; reject(e: Error): void }>;
}

interface Member {
  tab: Tab;
  sid: number;
  channel: string;
  start: StartOptions;
  /** Seq of the last publication sent (0: none yet); later ones must be above it. */
  seq: number;
  /** Receives publications (not before its reply, nor while its backfill runs). */
  ready: boolean;
  /** Live publications arriving while the backfill runs. */
  queue?: Publication[];
}

interface Channel {
  name: string;
  sub: Subscription;
  members: Set<Member>;
  /** The member whose start options the gateway subscription was made with, until its reply. */
  origin: Member | undefined;
  subscribed: boolean;
  /** The last reply's position: the channel position for a tab joining live before any publication. */
  replied: Position;
  /** Recent publications, ascending: every publication after `coverFrom` is among them. */
  ring: Publication[];
  coverFrom: number | undefined;
}

const ignore = (): void => {};

export class Hub {
  private client: SharedClient | undefined;
  private info: ConnectInfo | undefined;
  private readonly tabs = new Set<Tab>();
  private readonly channels = new Map<string, Channel>();
  private lastTid = 0;
  private readonly bufferSize: number;
  private readonly maxBackfill: number;
  private readonly tabTimeoutMs: number;
  private readonly tokenTimeoutMs: number;

  constructor(private readonly o: HubOptions) {
    this.bufferSize = o.bufferSize ?? 1_000;
    this.maxBackfill = o.maxBackfill ?? 10_000;
    this.tabTimeoutMs = o.tabTimeoutMs ?? 75_000;
    this.tokenTimeoutMs = o.tokenTimeoutMs ?? 10_000;
  }

  /** A tab connected (SharedWorker `connect` event). */
  attach(port: PortLike): void {
    const tab: Tab = { port, seen: Date.now(), members: new Map(), tokens: new Map() };
    port.onmessage = (ev) => {
      tab.seen = Date.now();
      if (this.tabs.has(tab) || (ev.data as ToWorker).t === 'hello') this.receive(tab, ev.data as ToWorker);
    };
  }

  /** Drops tabs silent for longer than the timeout; the worker calls it periodically. */
  sweep(now = Date.now()): void {
    for (const tab of this.tabs) if (now - tab.seen > this.tabTimeoutMs) this.detach(tab);
  }

  get tabCount(): number {
    return this.tabs.size;
  }

  private receive(tab: Tab, m: ToWorker): void {
    switch (m.t) {
      case 'hello': return this.hello(tab, m.options, m.lock);
      case 'connect': return void this.client?.connect().catch(ignore);
      case 'sub': return this.join(tab, m.sid, m.channel, m.start);
      case 'unsub': return this.leave(tab, m.sid);
      case 'call': return this.call(tab, m.rid, m.op, m.args);
      case 'token': {
        const waiter = tab.tokens.get(m.tid);
        tab.tokens.delete(m.tid);
        if (m.error) waiter?.reject(fromWire(m.error));
        else waiter?.resolve(m.token ?? '');
        return;
      }
      case 'bye': return this.detach(tab);
      default: // 'beat': `seen` is updated already
    }
  }

  private send(tab: Tab, m: ToTab): void {
    tab.port.postMessage(m);
  }

  private hello(tab: Tab, options: WorkerClientOptions, lock: string | undefined): void {
    if (this.tabs.has(tab)) return;
    this.tabs.add(tab);
    if (lock && this.o.whenReleased) void this.o.whenReleased(lock).then(() => this.detach(tab));
    if (!this.client || this.client.state === 'closed') this.client = this.open(options);
    this.send(tab, { t: 'sync', state: this.client.state, ...(this.client.state === 'connected' && this.info ? { info: this.info } : {}) });
  }

  private open(options: WorkerClientOptions): SharedClient {
    const client = this.o.newClient(options, options.renewable ? () => this.token() : undefined);
    const relay = <K extends keyof ClientEvents>(event: K) => client.on(event, (value) => {
      if (this.client !== client) return;
      if (event === 'connected') this.info = value as ConnectInfo;
      const wire = event === 'error' ? toWire(value) : value;
      for (const tab of this.tabs) this.send(tab, { t: 'event', event, value: wire } as ToTab);
      // A client closed for good has ended every subscription: forget them (the tabs end theirs).
      if (event === 'state' && (value as ClientState) === 'closed') this.channels.clear();
    });
    relay('state');
    relay('connected');
    relay('disconnected');
    relay('error');
    return client;
  }

  /** A token for the shared connection, from the most recent tab that answers. */
  private async token(): Promise<string> {
    for (const tab of [...this.tabs].reverse()) {
      const tid = ++this.lastTid;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const answer = new Promise<string>((resolve, reject) => {
        tab.tokens.set(tid, { resolve, reject });
        timer = setTimeout(() => reject(new Error('timeout')), this.tokenTimeoutMs);
      });
      this.send(tab, { t: 'token?', tid });
      try {
        return await answer;
      } catch (e) {
        if (!(e instanceof Error && e.message === 'timeout')) throw e; // the app's getToken failed
      } finally {
        clearTimeout(timer);
        tab.tokens.delete(tid);
      }
    }
    throw new Error('no tab supplied a token');
  }

  private detach(tab: Tab): void {
    if (!this.tabs.delete(tab)) return;
    tab.port.onmessage = null;
    tab.port.close();
    for (const member of tab.members.values()) this.drop(member);
    for (const waiter of tab.tokens.values()) waiter.reject(new Error('timeout'));
    if (this.tabs.size === 0) {
      this.client?.close();
      this.client = undefined;
      this.info = undefined;
    }
  }

  private call(tab: Tab, rid: number, op: CallOp, args: unknown[]): void {
    const client = this.client;
    if (!client) return;
    const [a, b, c] = args as [never, never, never];
    const run = op === 'publish' ? client.publish(a, b, c) : op === 'rpc' ? client.rpc(a, b, c) : op === 'presence' ? client.presence(a, b) : op === 'history' ? client.history(a, b) : Promise.reject(new TypeError(`unknown call ${String(op)}`));
    run.then(
      (value) => this.tabs.has(tab) && this.send(tab, { t: 'reply', rid, value }),
      (err: unknown) => this.tabs.has(tab) && this.send(tab, { t: 'reply', rid, err: toWire(err) }),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Subscriptions counted across tabs

  private join(tab: Tab, sid: number, name: string, start: StartOptions): void {
    if (!this.client || tab.members.has(sid)) return;
    const member: Member = { tab, sid, channel: name, start, seq: 0, ready: false };
    tab.members.set(sid, member);
    const ch = this.channels.get(name);
    if (!ch) {
      this.subscribe(name, member);
    } else {
      ch.members.add(member);
      if (ch.subscribed) this.serve(ch, member);
    }
  }

  private leave(tab: Tab, sid: number): void {
    const member = tab.members.get(sid);
    if (member) this.drop(member);
  }

  private drop(member: Member): void {
    member.tab.members.delete(member.sid);
    const ch = this.channels.get(member.channel);
    if (!ch?.members.delete(member)) return;
    if (ch.origin === member) ch.origin = undefined;
    if (ch.members.size === 0) {
      this.channels.delete(ch.name);
      ch.sub.unsubscribe();
    }
  }

  private subscribe(name: string, origin: Member): void {
    // Events of a subscription the hub has let go of (the last tab left) are stale.
    let ch!: Channel;
    const mine = () => this.channels.get(name) === ch;
    const options: SubscribeOptions = {
      ...origin.start,
      onSubscribed: (info) => mine() && this.subscribed(ch, info),
      onPublication: (pub) => mine() && this.publication(ch, pub),
      onJoin: (client) => mine() && this.each(ch, (m) => ({ t: 'presence', sid: m.sid, kind: 'join', client })),
      onLeave: (client) => mine() && this.each(ch, (m) => ({ t: 'presence', sid: m.sid, kind: 'leave', client })),
      onUnsubscribed: (info) => {
        if (!mine()) return;
        ch.subscribed = false;
        for (const m of ch.members) this.send(m.tab, { t: 'unsubscribed', sid: m.sid, info });
        if (!info.resubscribe) this.forget(ch);
      },
      onError: (err) => {
        if (!mine()) return;
        const ended = ch.sub.state === 'unsubscribed';
        for (const m of ch.members) this.send(m.tab, { t: 'suberror', sid: m.sid, err: toWire(err), ended });
        if (ended) this.forget(ch);
      },
    };
    ch = { name, sub: this.client!.subscribe(name, options), members: new Set([origin]), origin, subscribed: false, replied: { seq: 0, epoch: '' }, ring: [], coverFrom: undefined };
    this.channels.set(name, ch);
  }

  private forget(ch: Channel): void {
    this.channels.delete(ch.name);
    for (const m of ch.members) m.tab.members.delete(m.sid);
  }

  private each(ch: Channel, msg: (m: Member) => ToTab): void {
    for (const m of ch.members) if (m.ready) this.send(m.tab, msg(m));
  }

  private subscribed(ch: Channel, info: SubscribedInfo): void {
    const first = !ch.subscribed && ch.origin !== undefined;
    ch.subscribed = true;
    ch.replied = info.position;
    if (!info.recovered) {
      // A fresh start or a gap in the worker's own flow: what it holds no longer joins up.
      ch.ring = [];
      const start = first ? ch.origin!.start : {};
      ch.coverFrom = start.rewind || start.sinceTime ? undefined : info.position.seq;
    }
    const reply = { recovered: info.recovered, position: info.position };
    for (const m of ch.members) {
      if (m === ch.origin || (m.ready && !m.queue)) {
        if (!info.recovered) m.seq = 0; // the worker's own subscription filters from here on
        m.ready = true;
        this.send(m.tab, { t: 'subscribed', sid: m.sid, reply });
      } else if (!m.ready && !m.queue) {
        this.serve(ch, m); // joined while the gateway subscription was being made
      }
    }
    ch.origin = undefined;
  }

  private publication(ch: Channel, pub: Publication): void {
    ch.ring.push(pub);
    if (ch.coverFrom === undefined) ch.coverFrom = pub.seq - 1;
    if (ch.ring.length > this.bufferSize) ch.coverFrom = ch.ring.shift()!.seq;
    for (const m of ch.members) {
      if (m.queue) m.queue.push(pub);
      else if (m.ready) this.deliver(m, pub);
    }
  }

  private deliver(m: Member, pub: Publication): void {
    if (pub.seq <= m.seq) return;
    m.seq = pub.seq;
    this.send(m.tab, { t: 'pub', sid: m.sid, pub });
  }

  /** Where the channel stands for a joining tab: never before the reply's position (a replay may still run). */
  private position(ch: Channel): Position {
    const p = ch.sub.position;
    return p && p.seq >= ch.replied.seq ? p : ch.replied;
  }

  /** A tab joining a channel already subscribed: its reply, then what its start option asks for, then live. */
  private serve(ch: Channel, m: Member): void {
    const position = this.position(ch);
    const since = m.start.since;
    const replay = since || m.start.rewind || m.start.sinceTime || m.start.latest;
    if (!replay || (since && since.epoch !== position.epoch)) {
      // Live from now; a `since` of another stream instance cannot be honoured (as at the gateway).
      this.start(m, { recovered: !replay, position }, position.seq, []);
    } else if (since && ch.coverFrom !== undefined && since.seq >= ch.coverFrom) {
      this.start(m, { recovered: true, position }, since.seq, ch.ring);
    } else {
      m.queue = [];
      const history = this.client!.history.bind(this.client);
      // A history read that fails (e.g. the connection dropped) is a resume that could not be honoured.
      void backfill(m.start, (o) => history(ch.name, o), position.seq, this.maxBackfill, /[*>]/.test(ch.name)).catch(() => ({ pubs: [], recovered: false })).then((b) => {
        const queued = m.queue ?? [];
        m.queue = undefined;
        if (!ch.members.has(m)) return;
        this.start(m, { recovered: b.recovered, position }, b.recovered && since ? since.seq : b.pubs.length ? 0 : position.seq, [...b.pubs, ...queued]);
      });
    }
  }

  private start(m: Member, reply: { recovered: boolean; position: Position }, after: number, pubs: Publication[]): void {
    m.seq = after;
    m.ready = true;
    this.send(m.tab, { t: 'subscribed', sid: m.sid, reply });
    for (const pub of pubs) this.deliver(m, pub);
  }
}
