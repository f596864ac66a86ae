/**
 * JetgateClient: one logical connection to a jetgate gateway. It reconnects by itself, resumes
 * every subscription from its position, refreshes the token, and runs requests with timeouts.
 * Runs unchanged in browsers and on Node 20 (with the `ws` package's WebSocket).
 */
import { encodeClient, type ClientMessage, type Encoded, type Format, type ServerMessage } from '../proto/codec.js';
import { ErrorCode } from '../proto/codes.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { Connection, type WebSocketCtor } from './connection.js';
import { Emitter } from './emitter.js';
import { ClientCloseCode, JetgateError } from './errors.js';
import {
  toConnectInfo, toHistoryPage, toPresenceResult, toPublishResult, toRpcResult,
  type ConnectInfo, type DisconnectInfo, type HistoryPage, type Payload, type PresenceResult,
  type PublishResult, type RpcResult, type UnsubscribedInfo,
} from './messages.js';
import { checkStartOptions } from './position.js';
import { reconnectAfter, type DisconnectAdvice } from './reconnect.js';
import { TokenRefresher } from './refresh.js';
import { PendingRequests, type Reply, type ReplyBody } from './requests.js';
import type { ClientEvents, ClientOptions, HistoryOptions, PublishOptions, RpcOptions, CallOptions, ClientState } from './options.js';
import { SharedLink, type PendingCall } from './shared/tab.js';
import { ChannelSubscription, type SubscribeOptions, type Subscription, type SubscriptionHost } from './subscription.js';
import { Timer } from './timer.js';

/** Silence tolerated past the ping interval before the connection counts as dead. */
const PING_GRACE_MS = 10_000;
/** Extra wait for an rpc past its own deadline, so the gateway's RpcTimeout arrives first. */
const RPC_MARGIN_MS = 1_000;

const ignore = (): void => {};

export class JetgateClient extends Emitter<ClientEvents> {
  private readonly url: string;
  private readonly format: Format;
  private readonly name: string;
  private readonly ctor: WebSocketCtor;
  private readonly timeoutMs: number;
  private readonly backoffOptions: BackoffOptions;
  private readonly backoff: Backoff;
  private readonly getToken: () => Promise<string>;
  private readonly renewable: boolean;
  private readonly pong: Encoded;

  private _state: ClientState = 'disconnected';
  private conn: Connection | undefined;
  /** The Disconnect push received on the current connection, if any. */
  private advice: DisconnectAdvice & { reason?: string | null } | undefined;
  private closedError: JetgateError | undefined;
  private readonly reconnectTimer = new Timer();
  private readonly requests = new PendingRequests();
  private readonly subs = new Map<string, ChannelSubscription>();
  private readonly refresher: TokenRefresher;
  private readonly host: SubscriptionHost = { unsubscribe: (sub) => this.unsubscribe(sub) };
  /** Shared mode: the link to the worker that does the work (undefined: this client does). */
  private remote: SharedLink | undefined;
  private readonly ready: Promise<ConnectInfo>;
  private settleReady!: { resolve(info: ConnectInfo): void; reject(err: JetgateError): void };

  constructor(options: ClientOptions) {
    super();
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    if (!ctor) throw new TypeError('no WebSocket implementation: pass options.WebSocket (on Node 20, the ws package)');
    this.ctor = ctor;
    this.url = options.url;
    this.format = options.format ?? 'proto';
    this.name = options.name ?? 'jetgate-js';
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.backoffOptions = options.backoff ?? {};
    this.backoff = new Backoff(this.backoffOptions);
    const { getToken, token = '' } = options;
    this.renewable = getToken !== undefined;
    this.getToken = getToken ? async () => getToken() : async () => token;
    this.pong = encodeClient(this.format, { pong: {} });
    this.refresher = new TokenRefresher({
      getToken: this.getToken,
      refresh: (t) => this.call({ refresh: { token: t } }, 'refresh', this.timeoutMs).then((r) => r.expiresAt ?? 0),
      error: (err) => this.emit('error', err),
    });
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    // Only callers of connect() should see its rejection, not the unhandled-rejection hook.
    this.ready.catch(ignore);
    if (options.shared) {
      this.remote = SharedLink.open({ ...options, shared: options.shared }, {
        emit: (event, value) => this.emit(event, value),
        subscriptions: this.host,
        backoff: this.backoffOptions,
        fallback: (subs, calls, connect) => this.takeOver(subs, calls, connect),
      });
    }
  }

  get state(): ClientState {
    return this.remote?.state ?? this._state;
  }

  /**
   * Starts connecting (at once, also when a reconnect is waiting out its delay). Resolves on the
   * first successful connect; rejects if the client closes before that. Transient failures are
   * retried meanwhile, reported through 'error' and 'disconnected'.
   */
  connect(): Promise<ConnectInfo> {
    if (this.remote) return this.remote.connect();
    if (this._state === 'closed') return Promise.reject(this.closedError);
    if (this._state === 'disconnected') {
      this.reconnectTimer.stop();
      void this.open();
    }
    return this.ready;
  }

  /** Closes for good: no reconnect; pending requests fail with kind 'closed'. */
  close(): void {
    if (this.remote) return this.remote.close();
    this.shutdown(new JetgateError('closed', 'client closed', ClientCloseCode.Normal), false);
  }

  /**
   * Subscribes to a channel (sent now if connected, else on connect). Throws if the client is
   * closed or the channel already has an active subscription.
   */
  subscribe(channel: string, options: SubscribeOptions = {}): Subscription {
    if (this.remote) return this.remote.subscribe(channel, options);
    if (this.closedError) throw this.closedError;
    if (this.subs.has(channel)) throw new Error(`already subscribed to ${channel}`);
    checkStartOptions(options);
    const sub = new ChannelSubscription(channel, options, this.backoffOptions, this.host);
    this.subs.set(channel, sub);
    this.subscribeNow(sub);
    return sub;
  }

  /** Publishes to a channel. Retried once on the next connection if the connection drops first. */
  publish(channel: string, payload: Payload, options: PublishOptions = {}): Promise<PublishResult> {
    if (this.remote) return this.remote.call('publish', [channel, payload, options]) as Promise<PublishResult>;
    const publish = { channel, data: payload.data, json: payload.json, type: payload.type, idempotencyKey: options.idempotencyKey ?? randomKey(), headers: options.headers };
    return this.call({ publish }, 'publish', options.timeoutMs ?? this.timeoutMs, 1).then(toPublishResult);
  }

  /** Calls `<namespace>:<method>` on a backend service through the gateway. */
  rpc(method: string, payload: Payload = {}, options: RpcOptions = {}): Promise<RpcResult> {
    if (this.remote) return this.remote.call('rpc', [method, payload, options]) as Promise<RpcResult>;
    const rpc = { method, data: payload.data, json: payload.json, type: payload.type, timeoutMs: options.timeoutMs, headers: options.headers };
    const wait = options.timeoutMs === undefined ? this.timeoutMs : options.timeoutMs + RPC_MARGIN_MS;
    return this.call({ rpc }, 'rpc', wait).then(toRpcResult);
  }

  presence(channel: string, options: CallOptions = {}): Promise<PresenceResult> {
    if (this.remote) return this.remote.call('presence', [channel, options]) as Promise<PresenceResult>;
    return this.call({ presence: { channel } }, 'presence', options.timeoutMs ?? this.timeoutMs).then(toPresenceResult);
  }

  history(channel: string, options: HistoryOptions = {}): Promise<HistoryPage> {
    if (this.remote) return this.remote.call('history', [channel, options]) as Promise<HistoryPage>;
    const history = { channel, fromSeq: options.fromSeq, limit: options.limit, reverse: options.reverse };
    return this.call({ history }, 'history', options.timeoutMs ?? this.timeoutMs).then(toHistoryPage);
  }

  /** Shared mode without a worker: this client connects by itself, with what the link held. */
  private takeOver(subs: ChannelSubscription[], calls: PendingCall[], connect: boolean): Promise<ConnectInfo> | undefined {
    this.remote = undefined;
    for (const sub of subs) this.subs.set(sub.channel, sub);
    for (const c of calls) (this[c.op] as (...args: unknown[]) => Promise<unknown>)(...c.args).then(c.resolve, c.reject);
    return connect ? this.connect() : undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Connection lifecycle

  private async open(): Promise<void> {
    this.setState('connecting');
    let token: string;
    try {
      token = await this.getToken();
    } catch (e) {
      if (this._state !== 'connecting') return;
      this.retryIn(this.backoff.next(performance.now()));
      this.emit('error', new JetgateError('token', 'getToken failed', 0, true, { cause: e }));
      return;
    }
    if (this._state !== 'connecting') return; // closed meanwhile
    try {
      this.conn = new Connection(this.ctor, this.url, this.format, {
        open: () => this.sendConnect(token),
        message: (msg) => this.dispatch(msg),
        closed: (code, reason) => this.lost(code, reason || (this.advice?.reason ?? ''), reconnectAfter(code, this.advice, this.renewable)),
        failed: (code, err) => {
          this.lost(code, err.message, 0);
          this.emit('error', err);
        },
      }, this.timeoutMs);
    } catch (e) {
      // The WebSocket constructor throws only for what retrying cannot fix (bad URL, blocked port).
      this.shutdown(new JetgateError('closed', `cannot open ${this.url}: ${(e as Error).message}`, 0, false, { cause: e }), true);
    }
  }

  private sendConnect(token: string): void {
    // No request timeout: the connection's quiet watchdog already bounds the wait for the reply.
    const frame = this.requests.add((id) => encodeClient(this.format, { id, connect: { token, name: this.name } }), 'connect', { timeoutMs: 0, sent: true }, {
      resolve: (reply) => this.connected(toConnectInfo(reply)),
      reject: (err) => this.connectRefused(err),
    });
    this.conn?.send(frame);
  }

  private connected(info: ConnectInfo): void {
    const conn = this.conn;
    if (!conn) return;
    this.backoff.up(performance.now());
    conn.watch(info.pingInterval > 0 ? info.pingInterval * 1000 + PING_GRACE_MS : 0);
    // Resubscribe and send what waited for the connection before the app hears of it, so they
    // go out first and together.
    this._state = 'connected';
    for (const sub of this.subs.values()) this.subscribeNow(sub);
    this.flushRequests();
    if (this.renewable) this.refresher.schedule(info.expiresAt);
    this.emit('state', 'connected');
    if (this._state !== 'connected') return; // a listener closed the client
    this.emit('connected', info);
    this.settleReady.resolve(info);
  }

  private connectRefused(err: JetgateError): void {
    if (err.kind === 'disconnected') return; // the connection is already being handled
    // A temporary refusal, or a token that expired in between when the app can supply another, is
    // worth another attempt; anything else (bad token, no permission) will not get better.
    if (err.temporary || (err.code === ErrorCode.TokenExpired && this.renewable)) {
      this.conn?.close(ClientCloseCode.ConnectRefused, 'connect refused');
      this.lost(ClientCloseCode.ConnectRefused, err.message, 0);
      this.emit('error', err);
    } else {
      this.shutdown(err, true);
    }
  }

  /**
   * The connection ended without close(): suspend subscriptions, fail what was in flight, then
   * reconnect after `least` ms plus backoff, or close for good when `least` is undefined.
   */
  private lost(code: number, reason: string, least: number | undefined): void {
    this.conn = undefined;
    this.advice = undefined;
    this.refresher.stop();
    for (const sub of this.subs.values()) sub.suspend();
    this.requests.connectionLost(least !== undefined, code, reason);
    if (least === undefined) {
      this.emit('disconnected', { code, reason, reconnectInMs: undefined });
      this.shutdown(new JetgateError('closed', reason || `closed by the gateway with code ${code}`, code), true);
      return;
    }
    const delay = least + this.backoff.next(performance.now());
    this.retryIn(delay);
    this.emit('disconnected', { code, reason, reconnectInMs: delay });
  }

  private retryIn(delayMs: number): void {
    this.reconnectTimer.start(delayMs, () => void this.open());
    this.setState('disconnected');
  }

  /** Ends everything: no timer, socket or pending promise survives (a Node process can exit). */
  private shutdown(err: JetgateError, report: boolean): void {
    if (this._state === 'closed') return;
    this.closedError = err;
    this.conn?.close(ClientCloseCode.Normal, 'client closed');
    this.conn = undefined;
    this.reconnectTimer.stop();
    this.refresher.stop();
    for (const sub of this.subs.values()) sub.end();
    this.subs.clear();
    this.requests.rejectAll(err);
    this.settleReady.reject(err);
    this.setState('closed');
    if (report) this.emit('error', err);
  }

  private setState(state: ClientState): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  // ------------------------------------------------------------------------------------------
  // Incoming

  private dispatch(msg: ServerMessage): void {
    if (msg.id) {
      this.requests.settle(msg);
    } else if (msg.pub) {
      this.subs.get(msg.pub.channel ?? '')?.publication(msg.pub);
    } else if (msg.join) {
      this.subs.get(msg.join.channel ?? '')?.presence('join', msg.join.client);
    } else if (msg.leave) {
      this.subs.get(msg.leave.channel ?? '')?.presence('leave', msg.leave.client);
    } else if (msg.unsubscribed) {
      this.interrupted(msg.unsubscribed);
    } else if (msg.ping) {
      this.conn?.send(this.pong);
    } else if (msg.disconnect) {
      this.advice = msg.disconnect; // acted on when the close follows
    } else if (msg.error) {
      // Not about any request (e.g. the gateway could not parse a frame): worth reporting.
      const { code, message, temporary } = msg.error;
      this.emit('error', new JetgateError('server', message ?? '', code ?? 0, temporary === true));
    }
    // Other bodies (a stray pong, bodies of a newer protocol) are ignored.
  }

  private interrupted(u: NonNullable<ServerMessage['unsubscribed']>): void {
    const sub = this.subs.get(u.channel ?? '');
    // Only a subscription the gateway knows of: subscribed, or its Subscribe still unanswered.
    if (!sub || (sub.state !== 'subscribed' && sub.requestId === 0)) return;
    const info: UnsubscribedInfo = { channel: sub.channel, code: u.code ?? 0, reason: u.reason ?? '', resubscribe: u.resubscribe === true };
    // Free the channel first: a listener may subscribe to it again.
    if (!info.resubscribe) this.subs.delete(sub.channel);
    if (sub.interrupted(info)) this.resubscribeLater(sub);
  }

  // ------------------------------------------------------------------------------------------
  // Subscriptions

  private subscribeNow(sub: ChannelSubscription): void {
    if (this._state !== 'connected' || sub.state !== 'subscribing' || sub.requestId !== 0) return;
    sub.retry.stop();
    let id = 0;
    const frame = this.requests.add((rid) => encodeClient(this.format, { id: (id = rid), subscribe: sub.request() }), 'subscribe', { timeoutMs: this.timeoutMs, sent: true }, {
      resolve: (reply) => {
        if (sub.requestId === id) sub.subscribed(reply);
      },
      reject: (err) => {
        if (sub.requestId === id) this.subscribeFailed(sub, err);
      },
    });
    sub.requestId = id;
    this.conn?.send(frame);
  }

  private subscribeFailed(sub: ChannelSubscription, err: JetgateError): void {
    if (err.kind === 'timeout') {
      // A gateway that leaves a Subscribe unanswered is in trouble: try another connection.
      this.conn?.close(ClientCloseCode.SubscribeTimeout, 'subscribe timeout');
      this.lost(ClientCloseCode.SubscribeTimeout, err.message, 0);
      this.emit('error', err);
    } else if (err.temporary) {
      sub.failed(err);
      this.resubscribeLater(sub);
    } else {
      this.subs.delete(sub.channel);
      sub.end(err);
    }
  }

  private resubscribeLater(sub: ChannelSubscription): void {
    if (sub.state !== 'subscribing') return; // a listener ended it meanwhile
    sub.retry.start(sub.backoff.next(performance.now()), () => this.subscribeNow(sub));
  }

  private unsubscribe(sub: ChannelSubscription): void {
    if (this.remote) return this.remote.unsubscribe(sub);
    const known = sub.state === 'subscribed' || sub.requestId !== 0;
    if (this.subs.get(sub.channel) === sub) this.subs.delete(sub.channel);
    sub.end();
    if (!known || this._state !== 'connected') return;
    // The reply (or a NotSubscribed race) changes nothing: the subscription is gone on this side.
    const frame = this.requests.add((id) => encodeClient(this.format, { id, unsubscribe: { channel: sub.channel } }), 'unsubscribe', { timeoutMs: this.timeoutMs, sent: true }, { resolve: ignore, reject: ignore });
    this.conn?.send(frame);
  }

  // ------------------------------------------------------------------------------------------
  // Requests

  /** Runs a request: sent now if connected, else queued until connected (its timeout running). */
  private call<K extends ReplyBody>(body: ClientMessage, expect: K, timeoutMs: number, retries = 0): Promise<Reply<K>> {
    return new Promise((resolve, reject) => {
      if (this.closedError) throw this.closedError;
      this.requests.add((id) => encodeClient(this.format, { ...body, id }), expect, { timeoutMs, retries }, { resolve, reject });
      if (this._state === 'connected') this.flushRequests();
    });
  }

  private flushRequests(): void {
    for (const frame of this.requests.takeUnsent()) this.conn?.send(frame);
  }
}

/** 128 random bits, hex. getRandomValues works everywhere (randomUUID needs a secure context). */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
