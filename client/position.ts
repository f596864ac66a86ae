/**
 * A subscription's place in its channel: what to ask for on (re)subscribe, which publications are
 * new, and whether a resume was honoured. Pure bookkeeping, no I/O.
 */
import type { Position } from './messages.js';

/** Where a subscription starts. At most one of these; none means live from now. */
export interface StartOptions {
  /** Resume: everything after this position, then live. */
  since?: Position;
  /** The last N publications, then live. */
  rewind?: number;
  /** Publications stored at or after this time (unix ms), then live. */
  sinceTime?: number;
  /** The last publication of each subject of the channel, then live. */
  latest?: boolean;
}

export interface SubscribeRequest {
  channel: string;
  since?: Position;
  rewind?: number;
  sinceTime?: number;
  latest?: boolean;
}

export interface SubscribeReply {
  recovered?: boolean | null;
  position?: { seq?: number | null; epoch?: string | null } | null;
}

/** Throws unless at most one start option is set (the protocol allows one). */
export function checkStartOptions(o: StartOptions): void {
  const set = [o.since !== undefined, !!o.rewind, !!o.sinceTime, !!o.latest].filter(Boolean).length;
  if (set > 1) throw new TypeError('subscribe: give at most one of since, rewind, sinceTime, latest');
}

export class PositionTracker {
  private epoch = '';
  /** Seq of the last publication delivered (or skipped past): later ones must be above it. */
  private seq = 0;
  /** seq and epoch form a valid `since`. */
  private resumable: boolean;
  /** The last request carried `since`. */
  private resuming = false;

  constructor(private readonly start: StartOptions) {
    this.resumable = start.since !== undefined;
    if (start.since) ({ seq: this.seq, epoch: this.epoch } = start.since);
  }

  /** The position to resume from, once known. Apps may persist it and pass it back as `since`. */
  get position(): Position | undefined {
    return this.resumable ? { seq: this.seq, epoch: this.epoch } : undefined;
  }

  /**
   * The next Subscribe: resume from the tracked position once there is one; until then, what the
   * app asked for (its replay option, or live).
   */
  request(channel: string): SubscribeRequest {
    this.resuming = this.resumable;
    if (this.resumable) return { channel, since: { seq: this.seq, epoch: this.epoch } };
    const req: SubscribeRequest = { channel };
    if (this.start.rewind) req.rewind = this.start.rewind;
    if (this.start.sinceTime) req.sinceTime = this.start.sinceTime;
    if (this.start.latest) req.latest = true;
    return req;
  }

  /** Applies the reply to the last request; returns whether the subscription continues without a gap. */
  subscribed(reply: SubscribeReply): boolean {
    const recovered = this.resuming && reply.recovered === true;
    this.epoch = reply.position?.epoch ?? '';
    if (recovered) return true; // the replay continues right after seq
    const replaying = !this.resuming && (!!this.start.rewind || !!this.start.sinceTime || !!this.start.latest);
    // A replay delivers publications at or below the channel position: resume from the first one
    // that arrives; until then a resubscribe asks for the same replay again.
    this.seq = replaying ? 0 : reply.position?.seq ?? 0;
    this.resumable = !replaying;
    return false;
  }

  /** Whether a publication is new; advances the position if so. Duplicates and stale ones are dropped. */
  accept(seq: number): boolean {
    if (seq <= this.seq) return false;
    this.seq = seq;
    this.resumable = true;
    return true;
  }

  /** Forgets the position (the stream was recreated): the next request starts afresh. */
  restart(): void {
    this.resumable = false;
    this.seq = 0;
    this.epoch = '';
  }
}
