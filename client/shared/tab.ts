/**
 * A tab's side of shared mode: the JetgateClient of each tab talks over a MessagePort to the
 * SharedWorker that owns the one WebSocket, and keeps the app's API: the same subscriptions
 * (ChannelSubscription, tracking this tab's own position), events and requests. Where
 * SharedWorker is missing, `open` returns undefined and the client connects on its own; where the
 * worker fails to start, the link hands its subscriptions and calls back to the client.
 */
import type { Publication as WirePublication } from '../../proto/codec.js';
import type { BackoffOptions } from '../backoff.js';
import type { ClientEvents, ClientOptions, ClientState, SharedOptions } from '../options.js';
import { JetgateError } from '../errors.js';
import type { ConnectInfo } from '../messages.js';
import { checkStartOptions } from '../position.js';
import { ChannelSubscription, type SubscribeOptions, type SubscriptionHost } from '../subscription.js';
import { Timer } from '../timer.js';
import { fromWire, toWire, type CallOp, type PortLike, type ToTab, type ToWorker } from './wire.js';

/** A call made before the worker answered, replayed by the client if it falls back. */
export interface PendingCall {
  op: CallOp;
  args: unknown[];
  resolve(value: unknown): void;
  reject(err: JetgateError): void;
}

export interface LinkHost {
  emit<K extends keyof ClientEvents>(event: K, value: ClientEvents[K]): void;
  subscriptions: SubscriptionHost;
  backoff: BackoffOptions;
  /** The worker did not start: the client takes over; returns its connect() when one was asked for. */
  fallback(subs: ChannelSubscription[], calls: PendingCall[], connect: boolean): Promise<ConnectInfo> | undefined;
}

type SharedWorkerCtor = new (url: string, options: { name: string }) => { port: PortLike & { start?(): void }; onerror: ((ev: unknown) => void) | null };

/** Between heartbeats; the worker drops a tab silent for 75 s (a hidden tab's timers may run once a minute). */
const BEAT_MS = 20_000;

export class SharedLink {
  private _state: ClientState = 'disconnected';
  private started = false;
  private closedError: JetgateError | undefined;
  private lastId = 0;
  private wantConnect = false;
  private readonly subs = new Map<number, ChannelSubscription>();
  private readonly calls = new Map<number, PendingCall>();
  /** What waits for the worker's first answer. */
  private outbox: ToWorker[] = [];
  private readonly startTimer = new Timer();
  private readonly beat: ReturnType<typeof setInterval>;
  private releaseLock: (() => void) | undefined;
  private readonly ready: Promise<ConnectInfo>;
  private settleReady!: { resolve(info: ConnectInfo): void; reject(err: JetgateError): void };

  /** A link to the shared worker, or undefined where the browser has no SharedWorker. */
  static open(options: ClientOptions & { shared: SharedOptions }, host: LinkHost): SharedLink | undefined {
    const ctor = (globalThis as { SharedWorker?: SharedWorkerCtor }).SharedWorker;
    if (!ctor) return undefined;
    const format = options.format ?? 'proto';
    try {
      const worker = new ctor(options.shared.worker, { name: `jetgate ${format} ${options.url} ${options.shared.key ?? ''}` });
      return new SharedLink(worker, options, host);
    } catch {
      return undefined; // e.g. a script URL of another origin
    }
  }

  private constructor(worker: InstanceType<SharedWorkerCtor>, private readonly options: ClientOptions & { shared: SharedOptions }, private readonly host: LinkHost) {
    this.port = worker.port;
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => {});
    worker.onerror = () => this.fallback();
    this.port.onmessage = (ev) => this.receive(ev.data as ToTab);
    this.startTimer.start(options.shared.startTimeoutMs ?? 5_000, () => this.fallback());
    const { url, format = 'proto', name, token, getToken, backoff, requestTimeoutMs } = options;
    const hello = (lock?: string) => this.port.postMessage({ t: 'hello', lock, options: { url, format, name, token: getToken ? undefined : token, renewable: getToken !== undefined, backoff, requestTimeoutMs } } satisfies ToWorker);
    // A Web Lock held while the tab lives tells the worker when it is gone, even after a crash.
    // Held before the hello: the worker's request for it must queue behind this tab's.
    const locks = (globalThis as { navigator?: { locks?: { request(name: string, cb: () => Promise<void>): Promise<unknown> } } }).navigator?.locks;
    if (locks) {
      const lock = `jetgate-tab-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
      void locks.request(lock, () => new Promise<void>((resolve) => {
        this.releaseLock = resolve;
        if (!this.closedError) hello(lock);
      }));
    } else {
      hello();
    }
    this.beat = setInterval(() => this.port.postMessage({ t: 'beat' } satisfies ToWorker), BEAT_MS);
    globalThis.addEventListener?.('pagehide', this.hidden);
  }

  private readonly port: PortLike;

  get state(): ClientState {
    return this._state;
  }

  connect(): Promise<ConnectInfo> {
    if (this.closedError) return Promise.reject(this.closedError);
    this.wantConnect = true;
    this.post({ t: 'connect' });
    return this.ready;
  }

  close(): void {
    this.bye();
    this.end(new JetgateError('closed', 'client closed'));
  }

  subscribe(channel: string, options: SubscribeOptions): ChannelSubscription {
    if (this.closedError) throw this.closedError;
    for (const s of this.subs.values()) if (s.channel === channel) throw new Error(`already subscribed to ${channel}`);
    checkStartOptions(options);
    const sub = new ChannelSubscription(channel, options, this.host.backoff, this.host.subscriptions);
    const sid = ++this.lastId;
    this.subs.set(sid, sub);
    this.post({ t: 'sub', sid, channel, start: sub.request() });
    return sub;
  }

  unsubscribe(sub: ChannelSubscription): void {
    for (const [sid, s] of this.subs) {
      if (s !== sub) continue;
      this.subs.delete(sid);
      this.post({ t: 'unsub', sid });
    }
    sub.end();
  }

  call(op: CallOp, args: unknown[]): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const rid = ++this.lastId;
      this.calls.set(rid, { op, args, resolve, reject });
      this.post({ t: 'call', rid, op, args });
    });
  }

  private post(m: ToWorker): void {
    if (this.closedError) return;
    if (this.started) this.port.postMessage(m);
    else this.outbox.push(m);
  }

  private receive(m: ToTab): void {
    if (this.closedError) return;
    switch (m.t) {
      case 'sync': {
        this.started = true;
        this.startTimer.stop();
        for (const out of this.outbox) this.port.postMessage(out);
        this.outbox = [];
        this.setState(m.state);
        if (m.info) this.connected(m.info);
        return;
      }
      case 'event':
        if (m.event === 'state') this.setState(m.value);
        else if (m.event === 'connected') this.connected(m.value);
        else if (m.event === 'error') this.host.emit('error', fromWire(m.value));
        else this.host.emit(m.event, m.value);
        return;
      case 'subscribed': {
        const sub = this.subs.get(m.sid);
        sub?.request(); // the reply answers what this tab's position asks for
        sub?.subscribed(m.reply);
        return;
      }
      case 'pub': return this.subs.get(m.sid)?.publication(m.pub as WirePublication);
      case 'presence': return this.subs.get(m.sid)?.presence(m.kind, m.client);
      case 'unsubscribed': {
        const sub = this.subs.get(m.sid);
        if (sub && !sub.interrupted(m.info)) this.subs.delete(m.sid);
        return;
      }
      case 'suberror': {
        const sub = this.subs.get(m.sid);
        if (!sub || sub.state === 'unsubscribed') return;
        if (m.ended) this.subs.delete(m.sid);
        if (m.ended) sub.end(fromWire(m.err));
        else sub.failed(fromWire(m.err));
        return;
      }
      case 'reply': {
        const call = this.calls.get(m.rid);
        this.calls.delete(m.rid);
        if (m.err) call?.reject(fromWire(m.err));
        else call?.resolve(m.value);
        return;
      }
      case 'token?':
        void this.token(m.tid);
    }
  }

  private async token(tid: number): Promise<void> {
    try {
      const token = await this.options.getToken!();
      this.post({ t: 'token', tid, token });
    } catch (e) {
      this.post({ t: 'token', tid, error: toWire(e) });
    }
  }

  private connected(info: ConnectInfo): void {
    this.host.emit('connected', info);
    this.settleReady.resolve(info);
  }

  private setState(state: ClientState): void {
    if (this._state === state) return;
    this._state = state;
    if (state === 'closed') {
      // The shared connection closed for good (e.g. a token refused): as a client of its own would.
      this.bye();
      this.end(new JetgateError('closed', 'the shared connection closed'));
      return;
    }
    this.host.emit('state', state);
  }

  /** The page goes away, unless into the back-forward cache (it may come back: its heartbeat resumes then). */
  private readonly hidden = (ev: { persisted?: boolean }): void => {
    if (!ev.persisted) this.bye();
  };

  private readonly bye = (): void => {
    if (this.started && !this.closedError) this.port.postMessage({ t: 'bye' } satisfies ToWorker);
  };

  private stop(): void {
    this.startTimer.stop();
    clearInterval(this.beat);
    globalThis.removeEventListener?.('pagehide', this.hidden);
    this.releaseLock?.();
    this.port.onmessage = null;
    this.port.close();
  }

  private end(err: JetgateError): void {
    if (this.closedError) return;
    this.closedError = err;
    this.stop();
    for (const sub of this.subs.values()) sub.end();
    this.subs.clear();
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
    this.settleReady.reject(err);
    this._state = 'closed';
    this.host.emit('state', 'closed');
  }

  /** The worker did not answer: the client connects by itself, with this link's subscriptions and calls. */
  private fallback(): void {
    if (this.started || this.closedError) return;
    this.closedError = new JetgateError('closed', 'shared worker did not start');
    this.stop();
    const local = this.host.fallback([...this.subs.values()], [...this.calls.values()], this.wantConnect);
    local?.then(this.settleReady.resolve, this.settleReady.reject);
  }
}
