/**
 * One client connection: decodes its frames, runs the protocol state machine (connect first, then
 * requests), owns its identity and subscriptions, and keeps the connection honest (handshake
 * deadline, message rate, token expiry, pings, send-buffer bound). Everything it sends goes
 * through `conn`.
 */
import { randomUUID } from 'node:crypto';
import {
  CLIENT_BODIES, FrameError, bodyOf, decodeClient, encodeServer, joinFrames,
  type ClientMessage, type Format, type ServerMessage,
} from '../../proto/codec.js';
import { CloseCode, ErrorCode, UnsubscribeCode } from '../../proto/codes.js';
import type { ChannelResolver } from '../channels/grammar.js';
import type { Config } from '../config/schema.js';
import { ClientError } from '../errors.js';
import type { HistoryReader } from '../history/reader.js';
import type { Hub } from '../hub/hub.js';
import type { Pub } from '../hub/publication.js';
import type { Logger } from '../log.js';
import type { Streams } from '../nats/streams.js';
import type { Presence } from '../presence/presence.js';
import { ReadTurns } from '../replay/reads.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { endSpan } from '../telemetry/tracing.js';
import { ANONYMOUS, authorize, isAllowed, type Identity } from '../auth/identity.js';
import type { TokenVerifier } from '../auth/verifier.js';
import type { Conn } from './conn.js';
import type { HandledBody, RequestHandlers, Requester } from './request.js';
import type { SessionIo } from './session-io.js';
import { RateLimiter } from '../rate-limit.js';
import { checkSubscribeOptions, planSubscribe, type SubscribeOptions } from './subscribe-plan.js';
import { ClientSubscription, type ReplayFrom } from './subscription.js';

export interface SessionDeps {
  config: Config;
  resolver: ChannelResolver;
  hub: Hub;
  streams: Streams;
  reader: HistoryReader;
  log: Logger;
  handlers: RequestHandlers;
  verifier: TokenVerifier;
  telemetry: Telemetry;
  /** Undefined when no namespace enables presence. */
  presence: Presence | undefined;
}

/** `authenticating`: Connect received, its token being verified. */
type State = 'handshake' | 'authenticating' | 'connected' | 'closed';

/** Requests held while Connect's token is verified (a client may send them right behind Connect). */
const MAX_HELD = 100;

export class Session implements SessionIo, Requester {
  readonly id = randomUUID();
  identity: Identity = ANONYMOUS;
  private state: State = 'handshake';
  private readonly subs = new Map<string, ClientSubscription>();
  private readonly openedAt = Date.now();
  private lastPingAt = 0;
  private awaitingPong = false;
  private drainWaiters: Array<() => void> = [];
  private held: ClientMessage[] = [];
  private inFlight = 0;
  private readonly ws: Config['websocket'];
  private readonly limiter: RateLimiter;

  constructor(readonly conn: Conn, readonly format: Format, private readonly deps: SessionDeps) {
    this.ws = deps.config.websocket;
    this.limiter = new RateLimiter(this.ws.maxMessagesPerSec, this.ws.messageBurst, this.openedAt);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  hasSubscription(channel: string): boolean {
    return this.subs.has(channel);
  }

  // ------------------------------------------------------------------------------------------
  // Input

  onFrame(data: Uint8Array | string): void {
    const now = Date.now();
    let msgs: ClientMessage[];
    try {
      msgs = decodeClient(this.format, data);
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      // A malformed frame costs a message like any other, so garbage cannot flood past the limit.
      if (this.admit(0, now)) this.error(0, new ClientError(ErrorCode.BadRequest, `malformed frame: ${e.message}`));
      return;
    }
    for (const msg of msgs) {
      if (this.state === 'closed') return;
      const id = typeof msg.id === 'number' ? msg.id : 0;
      const body = bodyOf(msg, CLIENT_BODIES);
      // The pong that answers our ping proves liveness whatever the rate (one per ping interval, so
      // it cannot flood): a rate-limited client is never closed for not answering. Every other
      // message, unsolicited pongs included, is metered.
      if (body === 'pong' && this.awaitingPong) {
        this.awaitingPong = false;
        continue;
      }
      if (!this.admit(id, now)) continue;
      if (this.state === 'authenticating') this.hold(id, msg);
      else this.dispatch(id, body, msg);
    }
  }

  /** Counts one message against the rate limit; false when it must not be served. */
  private admit(id: number, now: number): boolean {
    const verdict = this.limiter.check(now);
    if (verdict === 'accept') return true;
    if (verdict === 'refuse') {
      this.error(id, new ClientError(ErrorCode.RateLimited, `more than ${this.ws.maxMessagesPerSec} messages per second; slow down`, true));
    } else {
      this.disconnect(CloseCode.PolicyViolation, 'message rate limit exceeded repeatedly', false);
    }
    return false;
  }

  private hold(id: number, msg: ClientMessage): void {
    if (this.held.length >= MAX_HELD) return this.error(id, new ClientError(ErrorCode.NotConnected, 'wait for the connect reply'));
    this.held.push(msg);
  }

  private dispatch(id: number, body: string | undefined, msg: ClientMessage): void {
    if (!body) return this.error(id, new ClientError(ErrorCode.UnknownMessage, 'message carries no known request'));
    if (this.state === 'handshake' && body !== 'connect') {
      return this.error(id, new ClientError(ErrorCode.NotConnected, 'send connect first'));
    }
    try {
      switch (body) {
        case 'connect': return this.onConnect(id, msg.connect!);
        case 'refresh': return this.pending(id, () => this.onRefresh(id, msg.refresh!));
        case 'subscribe': return void this.onSubscribe(id, msg.subscribe!).catch((e: unknown) => this.fail(id, e));
        case 'unsubscribe': return this.onUnsubscribe(id, msg.unsubscribe!.channel);
        case 'ping': return this.send({ id, pong: {} });
        case 'pong': return; // unsolicited (the answer to our ping is taken in onFrame)
        default:
          return this.handle(id, body, msg);
      }
    } catch (e) {
      this.fail(id, e);
    }
  }

  /** Requests served by feature modules (publish, rpc, presence, history). */
  private handle(id: number, body: string, msg: ClientMessage): void {
    const handler = this.deps.handlers[body as HandledBody] as ((from: Requester, req: unknown) => Promise<ServerMessage>) | undefined;
    if (!handler) return this.error(id, new ClientError(ErrorCode.UnknownMessage, `"${body}" is not supported by this gateway`));
    this.pending(id, async () => this.reply(id, await handler(this, msg[body as HandledBody])));
  }

  /**
   * Runs an asynchronous request, at most `maxPendingRequests` at a time per connection: each may
   * hold JetStream reads or service calls, which the message rate alone does not bound.
   * (A subscribe counts once it must read JetStream: `claimRequest`.)
   */
  private pending(id: number, run: () => Promise<void>): void {
    try {
      this.claimRequest();
    } catch (e) {
      return this.fail(id, e);
    }
    run().catch((e: unknown) => this.fail(id, e)).finally(() => this.inFlight--);
  }

  /** Counts one more request in flight; throws 1010 past `maxPendingRequests`. */
  private claimRequest(): void {
    if (this.inFlight >= this.ws.maxPendingRequests) {
      throw new ClientError(ErrorCode.RateLimited, `more than ${this.ws.maxPendingRequests} requests in flight; wait for replies`, true);
    }
    this.inFlight++;
  }

  private onConnect(id: number, req: NonNullable<ClientMessage['connect']>): void {
    if (this.state !== 'handshake') return this.error(id, new ClientError(ErrorCode.AlreadyConnected, 'already connected'));
    this.state = 'authenticating';
    const token = req.token ?? '';
    (token ? this.deps.verifier.verify(token) : Promise.resolve(ANONYMOUS)).then((identity) => {
      if (this.state !== 'authenticating') return; // closed meanwhile (handshake timeout)
      this.identity = identity;
      this.state = 'connected';
      this.lastPingAt = Date.now();
      this.reply(id, { connect: { clientId: this.id, node: this.deps.config.nodeId, pingInterval: this.ws.pingIntervalSec, expiresAt: identity.expiresAt } });
      const held = this.held;
      this.held = [];
      for (const msg of held) {
        if (this.state !== 'connected') return;
        this.dispatch(typeof msg.id === 'number' ? msg.id : 0, bodyOf(msg, CLIENT_BODIES), msg);
      }
    }, (e: unknown) => {
      if (this.state !== 'authenticating') return;
      this.held = [];
      // Refused: the reply says why (BadToken, TokenExpired), then the connection closes.
      this.fail(id, e);
      this.closeNow(e instanceof ClientError ? CloseCode.Unauthorized : CloseCode.Internal, 'connect refused');
    });
  }

  /**
   * A fresh token for the same user: the connection lives on with the new expiry, grants and info.
   * Subscriptions the new grants no longer cover end with PermissionLost.
   */
  private async onRefresh(id: number, req: NonNullable<ClientMessage['refresh']>): Promise<void> {
    if (this.identity.user === '') throw new ClientError(ErrorCode.BadToken, 'an anonymous connection has no token to refresh; reconnect with one');
    if (!req.token) throw new ClientError(ErrorCode.BadToken, 'refresh needs a token');
    const identity = await this.deps.verifier.verify(req.token);
    if (this.state !== 'connected') return;
    if (identity.user !== this.identity.user) throw new ClientError(ErrorCode.BadToken, 'the token is for another user');
    this.identity = identity;
    this.reply(id, { refresh: { expiresAt: identity.expiresAt } });
    for (const [channel, sub] of [...this.subs]) {
      if (!isAllowed(identity, sub.channel.ref.namespace, 'subscribe', channel)) {
        this.unsubscribed(channel, UnsubscribeCode.PermissionLost, 'the refreshed token no longer grants this channel', false);
      }
    }
  }

  private async onSubscribe(id: number, req: NonNullable<ClientMessage['subscribe']>): Promise<void> {
    const ref = this.deps.resolver.resolve(req.channel);
    checkSubscribeOptions(req);
    authorize(this.identity, ref.namespace, 'subscribe', ref.channel);
    if (this.subs.has(ref.channel)) throw new ClientError(ErrorCode.AlreadySubscribed, `already subscribed to ${ref.channel}`);
    if (this.subs.size >= this.ws.maxSubscriptions) {
      throw new ClientError(ErrorCode.TooManySubscriptions, `at most ${this.ws.maxSubscriptions} subscriptions per connection`);
    }
    // A replay counts as a request in flight from its first JetStream read to its end.
    const turns = new ReadTurns(this.deps.reader.turns, this.id, () => this.claimRequest());
    const sub = this.deps.hub.join(ref, this, (ch) => new ClientSubscription(ch, this, this.deps.reader, turns));
    this.subs.set(ref.channel, sub);
    const ch = sub.channel;
    let replied = false;
    try {
      this.deps.presence?.reserve(ref, this);
      await ch.ready;
      const plan = await planSubscribe(ch, req, { streams: this.deps.streams, reader: this.deps.reader, turns });
      // A replay from JetStream waits for its turn before the reply, so a refusal is its answer.
      if (plan.from && sub.readsJetStream(plan.from) && !(await turns.begin())) return;
      if (sub.state === 'closed') return;
      this.reply(id, {
        subscribe: { channel: ref.channel, recovered: plan.recovered, position: { seq: ch.flushedSeq, epoch: this.deps.streams.epoch(ch.stream) } },
      });
      replied = true;
      if (req.since) this.deps.telemetry.stats.resumes[plan.recovered ? 'recovered' : 'not_recovered']++;
      if (plan.from) await this.replay(sub, req, plan.from);
      else sub.goLive();
      if (sub.state === 'live') this.deps.presence?.join(ref, this);
    } catch (e) {
      if (sub.state === 'closed' || this.closed) return;
      // The client's own mistake is no warning; the gateway's failures are (rate limited per cause, ../log.ts).
      const line = { client: this.id, channel: ref.channel, err: (e as Error).message };
      if (e instanceof ClientError) this.deps.log.debug(line, 'subscribe refused');
      else this.deps.log.warn(line, 'subscribe failed');
      if (replied) {
        if (req.since) this.deps.telemetry.stats.resumes.failed++;
        return this.unsubscribed(ref.channel, UnsubscribeCode.ReplayFailed, 'replay failed; subscribe again to resume', true);
      }
      this.dropSub(ref.channel, sub);
      throw e instanceof ClientError ? e : new ClientError(ErrorCode.Unavailable, `subscribe failed: ${(e as Error).message}`, true);
    } finally {
      turns.end();
      if (turns.claimed) this.inFlight--;
    }
  }

  /** Replays what the client asked for, timed and traced. */
  private async replay(sub: ClientSubscription, req: SubscribeOptions, from: ReplayFrom): Promise<void> {
    const { tracing, metrics } = this.deps.telemetry;
    const started = performance.now();
    const how = req.since ? 'since' : req.rewind ? 'rewind' : req.sinceTime ? 'sinceTime' : 'latest';
    const span = tracing.replay(sub.channel.name, how);
    try {
      await sub.replay(from);
    } catch (e) {
      endSpan(span, e);
      throw e;
    }
    endSpan(span, undefined, { 'jetgate.live': sub.state === 'live' });
    if (sub.state === 'live') metrics?.replayed((performance.now() - started) / 1000);
  }

  private onUnsubscribe(id: number, channel: string | null | undefined): void {
    const sub = channel ? this.subs.get(channel) : undefined;
    if (!sub) return this.error(id, new ClientError(ErrorCode.NotSubscribed, `not subscribed to ${String(channel)}`));
    this.dropSub(channel as string, sub);
    this.reply(id, { unsubscribe: { channel } });
  }

  private dropSub(channel: string, sub: ClientSubscription): void {
    this.deps.presence?.leave(channel, this.id);
    sub.close();
    if (this.subs.get(channel) === sub) this.subs.delete(channel);
    this.deps.hub.leave(sub.channel, sub);
  }

  // ------------------------------------------------------------------------------------------
  // Output

  send(msg: ServerMessage): void {
    if (this.state === 'closed') return;
    this.conn.send(encodeServer(this.format, msg), this.format === 'proto');
  }

  private reply(id: number, body: ServerMessage): void {
    this.send({ ...body, id });
  }

  private error(id: number, e: ClientError): void {
    this.send({ id, error: { code: e.code, message: e.message, temporary: e.temporary } });
  }

  private fail(id: number, e: unknown): void {
    if (e instanceof ClientError) return this.error(id, e);
    this.deps.log.error({ client: this.id, err: (e as Error).stack }, 'request failed');
    this.error(id, new ClientError(ErrorCode.Internal, 'internal error', true));
  }

  sendPubs(pubs: readonly Pub[]): void {
    if (this.state === 'closed' || pubs.length === 0) return;
    const frame = joinFrames(this.format, pubs.map((p) => p.frame(this.format)));
    this.conn.send(frame, this.format === 'proto');
    const stats = this.deps.telemetry.stats;
    stats.replayDelivered += pubs.length;
    stats.replayDeliveredBytes += frame.length;
  }

  canWrite(): boolean {
    return this.conn.buffered() <= this.ws.replayHighWaterBytes;
  }

  writable(): Promise<void> {
    if (this.state === 'closed' || this.conn.buffered() <= this.ws.replayHighWaterBytes) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  unsubscribed(channel: string, code: number, reason: string, resubscribe: boolean): void {
    const sub = this.subs.get(channel);
    if (sub) this.dropSub(channel, sub);
    this.send({ unsubscribed: { channel, code, reason, resubscribe } });
  }

  /** The socket's buffer went down. */
  onDrain(): void {
    if (this.conn.buffered() > this.ws.replayHighWaterBytes) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Sends Disconnect, then closes with the same code. */
  disconnect(code: number, reason: string, reconnect: boolean, reconnectAfterMs = 0): void {
    if (this.state === 'closed') return;
    this.send({ disconnect: { code, reason, reconnect, reconnectAfterMs } });
    this.conn.end(code, reason);
    this.onClose();
  }

  /** The socket closed (either side). */
  onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const [channel, sub] of this.subs) this.dropSub(channel, sub);
    this.deps.reader.turns.dropOwner(this.id);
    this.onDrain();
  }

  // ------------------------------------------------------------------------------------------
  // Housekeeping, called a few times a second for every session

  /** Closes the connection as a slow consumer when its send buffer passed the bound. */
  checkBuffer(): void {
    if (this.state !== 'closed' && this.conn.buffered() > this.ws.maxBufferBytes) {
      this.closeNow(CloseCode.SlowConsumer, 'slow consumer: send buffer bound exceeded');
    }
  }

  tick(now: number): void {
    this.checkBuffer();
    if (this.state === 'closed') return;
    if (this.state !== 'connected') {
      if (now - this.openedAt > this.ws.handshakeTimeoutMs) this.closeNow(CloseCode.HandshakeTimeout, 'no connect in time');
      return;
    }
    const expiresAt = this.identity.expiresAt;
    if (expiresAt && now >= expiresAt + this.deps.config.auth.clockToleranceSec * 1000) {
      // reconnect: false — the same token would be refused; a client that can get a new one reconnects.
      return this.disconnect(CloseCode.TokenExpired, 'token expired', false);
    }
    const sincePing = now - this.lastPingAt;
    if (this.awaitingPong && sincePing > this.ws.pongTimeoutSec * 1000) return this.closeNow(CloseCode.NoPong, 'no pong');
    if (!this.awaitingPong && sincePing >= this.ws.pingIntervalSec * 1000) {
      this.lastPingAt = now;
      this.awaitingPong = true;
      this.send({ ping: {} });
    }
  }

  /** Closes without a Disconnect message (the client would not read it in time anyway). */
  private closeNow(code: number, reason: string): void {
    this.deps.log.info({ client: this.id, code, reason }, 'closing connection');
    this.conn.end(code, reason);
    this.onClose();
  }
}
