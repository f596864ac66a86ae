/**
 * Requests awaiting their reply, by id: timeouts, queueing while offline, and what happens to
 * them when the connection drops.
 */
import type { Encoded, ServerBody, ServerMessage } from '../proto/codec.js';
import { JetgateError } from './errors.js';
import { Timer } from './timer.js';

/** Bodies that answer a request. */
export type ReplyBody = Exclude<ServerBody, 'error' | 'pub' | 'join' | 'leave' | 'unsubscribed' | 'disconnect' | 'ping'>;
export type Reply<K extends ReplyBody> = NonNullable<ServerMessage[K]>;

export interface RequestOptions {
  /** 0: no client-side timeout. */
  timeoutMs: number;
  /** Times the request may be sent again on a new connection after its connection dropped. */
  retries?: number;
  /** The caller has already sent it; otherwise it waits for takeUnsent(). */
  sent?: boolean;
}

export interface Callbacks<T> {
  resolve(reply: T): void;
  reject(err: JetgateError): void;
}

interface Entry {
  frame: Encoded;
  expect: ReplyBody;
  retries: number;
  sent: boolean;
  timer: Timer;
  resolve(reply: unknown): void;
  reject(err: JetgateError): void;
}

export class PendingRequests {
  private lastId = 0;
  // Insertion order is id order: unsent requests (and retries) go out in the order they were made.
  private readonly entries = new Map<number, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers a request. `encode` builds its frame for the id chosen here (if it throws, nothing
   * is registered). Returns the frame.
   */
  add<K extends ReplyBody>(encode: (id: number) => Encoded, expect: K, opts: RequestOptions, cb: Callbacks<Reply<K>>): Encoded {
    const id = this.nextId();
    const frame = encode(id);
    const entry: Entry = {
      frame, expect, retries: opts.retries ?? 0, sent: opts.sent ?? false, timer: new Timer(),
      resolve: cb.resolve as (reply: unknown) => void, reject: cb.reject,
    };
    this.entries.set(id, entry);
    if (opts.timeoutMs > 0) {
      entry.timer.start(opts.timeoutMs, () => {
        this.entries.delete(id);
        entry.reject(new JetgateError('timeout', `no ${expect} reply within ${opts.timeoutMs} ms`, 0, true));
      });
    }
    return frame;
  }

  /** Settles the request a reply belongs to; false when none is waiting (e.g. it timed out). */
  settle(msg: ServerMessage): boolean {
    const id = msg.id ?? 0;
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    entry.timer.stop();
    const body = msg[entry.expect];
    if (msg.error) {
      const { code, message, temporary } = msg.error;
      entry.reject(new JetgateError('server', message ?? '', code ?? 0, temporary === true));
    } else if (body == null) {
      entry.reject(new JetgateError('protocol', `expected a ${entry.expect} reply to request ${id}`));
    } else {
      entry.resolve(body);
    }
    return true;
  }

  /** Frames of the requests not sent on the current connection, now marked sent. */
  takeUnsent(): Encoded[] {
    const out: Encoded[] = [];
    for (const e of this.entries.values()) {
      if (e.sent) continue;
      e.sent = true;
      out.push(e.frame);
    }
    return out;
  }

  /**
   * The connection dropped. Requests sent on it fail (the gateway may or may not have acted on
   * them), except those with a retry left when a reconnect follows: they go out again on it.
   * Unsent ones keep waiting.
   */
  connectionLost(reconnecting: boolean, code: number, reason: string): void {
    for (const [id, e] of this.entries) {
      if (!e.sent) continue;
      if (reconnecting && e.retries > 0) {
        e.retries--;
        e.sent = false;
        continue;
      }
      this.entries.delete(id);
      e.timer.stop();
      e.reject(new JetgateError('disconnected', `connection lost: ${reason || code}`, code, reconnecting));
    }
  }

  rejectAll(err: JetgateError): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const e of entries) {
      e.timer.stop();
      e.reject(err);
    }
  }

  /** Non-zero uint32, wrapping; skips ids still waiting. */
  private nextId(): number {
    do this.lastId = (this.lastId % 0xffffffff) + 1;
    while (this.entries.has(this.lastId));
    return this.lastId;
  }
}
