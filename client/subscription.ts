/** A channel subscription: the app's handle, and the SDK's per-channel state behind it. */
import type { Publication as WirePublication, ServerMessage } from '../proto/codec.js';
import { UnsubscribeCode } from '../proto/codes.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { Emitter, type Listener } from './emitter.js';
import { JetgateError } from './errors.js';
import {
  toClientInfo, toPosition, toPublication,
  type ClientInfo, type Position, type Publication, type SubscribedInfo, type UnsubscribedInfo,
} from './messages.js';
import { PositionTracker, type StartOptions, type SubscribeRequest } from './position.js';
import { Timer } from './timer.js';

export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed';

export interface SubscriptionEvents {
  /** A publication, in seq order, each once (replayed ones first, then live). */
  publication: Publication;
  /** Subscribed (again): after every (re)connect, and after the gateway reset the subscription. */
  subscribed: SubscribedInfo;
  join: ClientInfo;
  leave: ClientInfo;
  /** The gateway ended the subscription; with `resubscribe` the SDK subscribes again by itself. */
  unsubscribed: UnsubscribedInfo;
  /** A subscribe failed (temporary: the SDK retries) or the subscription ended against the app's will. */
  error: JetgateError;
}

export interface SubscribeOptions extends StartOptions {
  onPublication?: Listener<Publication>;
  onSubscribed?: Listener<SubscribedInfo>;
  onJoin?: Listener<ClientInfo>;
  onLeave?: Listener<ClientInfo>;
  onUnsubscribed?: Listener<UnsubscribedInfo>;
  onError?: Listener<JetgateError>;
}

/** A subscription to one channel. It survives reconnects: the SDK resumes it from `position`. */
export interface Subscription {
  readonly channel: string;
  readonly state: SubscriptionState;
  /** Where a resume starts: the last publication delivered, or the subscribe position. */
  readonly position: Position | undefined;
  on<K extends keyof SubscriptionEvents>(event: K, listener: Listener<SubscriptionEvents[K]>): () => void;
  off<K extends keyof SubscriptionEvents>(event: K, listener: Listener<SubscriptionEvents[K]>): void;
  unsubscribe(): void;
}

export interface SubscriptionHost {
  unsubscribe(sub: ChannelSubscription): void;
}

/** The implementation the client drives; apps see it as a Subscription. */
export class ChannelSubscription extends Emitter<SubscriptionEvents> implements Subscription {
  /** Id of the Subscribe awaiting its reply (0: none): replies to any other are stale. */
  requestId = 0;
  /** A resubscribe waiting out its backoff. */
  readonly retry = new Timer();
  readonly backoff: Backoff;
  private _state: SubscriptionState = 'subscribing';
  private readonly tracker: PositionTracker;

  constructor(readonly channel: string, options: SubscribeOptions, backoff: BackoffOptions, private readonly host: SubscriptionHost) {
    super();
    this.tracker = new PositionTracker(options);
    this.backoff = new Backoff(backoff);
    if (options.onPublication) this.on('publication', options.onPublication);
    if (options.onSubscribed) this.on('subscribed', options.onSubscribed);
    if (options.onJoin) this.on('join', options.onJoin);
    if (options.onLeave) this.on('leave', options.onLeave);
    if (options.onUnsubscribed) this.on('unsubscribed', options.onUnsubscribed);
    if (options.onError) this.on('error', options.onError);
  }

  get state(): SubscriptionState {
    return this._state;
  }

  get position(): Position | undefined {
    return this.tracker.position;
  }

  unsubscribe(): void {
    if (this._state !== 'unsubscribed') this.host.unsubscribe(this);
  }

  /** The body of the next Subscribe. */
  request(): SubscribeRequest {
    return this.tracker.request(this.channel);
  }

  subscribed(reply: NonNullable<ServerMessage['subscribe']>): void {
    this.requestId = 0;
    this._state = 'subscribed';
    this.backoff.up(performance.now());
    const recovered = this.tracker.subscribed(reply);
    this.emit('subscribed', { channel: this.channel, recovered, position: toPosition(reply.position) });
  }

  // Pushes count only between the reply and the end of the subscription: anything else is left
  // over from an earlier subscription to the same channel.
  publication(pub: WirePublication): void {
    if (this._state === 'subscribed' && this.tracker.accept(pub.seq ?? 0)) this.emit('publication', toPublication(pub));
  }

  presence(event: 'join' | 'leave', client: Parameters<typeof toClientInfo>[0]): void {
    if (this._state === 'subscribed') this.emit(event, toClientInfo(client));
  }

  /** A temporary failure: stays subscribing; the client retries. */
  failed(err: JetgateError): void {
    this.requestId = 0;
    this.emit('error', err);
  }

  /** The connection dropped: subscribe again on the next one. */
  suspend(): void {
    this.requestId = 0;
    this.retry.stop();
    if (this._state === 'subscribed') this._state = 'subscribing';
  }

  /** The gateway ended the subscription. Returns whether it goes on (the client resubscribes). */
  interrupted(info: UnsubscribedInfo): boolean {
    this.requestId = 0;
    if (info.resubscribe) {
      this._state = 'subscribing';
      // A recreated stream restarts its sequence: the old position means nothing there. After
      // other interruptions (e.g. a replay that failed) the position still holds: resume from it.
      if (info.code === UnsubscribeCode.StreamReset) this.tracker.restart();
      this.emit('unsubscribed', info);
      return true;
    }
    this.end();
    this.emit('unsubscribed', info);
    this.emit('error', new JetgateError('unsubscribed', info.reason || 'unsubscribed by the gateway', info.code));
    return false;
  }

  /** The subscription is over (`err`: not by the app's choice). */
  end(err?: JetgateError): void {
    this._state = 'unsubscribed';
    this.requestId = 0;
    this.retry.stop();
    if (err) this.emit('error', err);
  }
}
