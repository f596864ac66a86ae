/** Reconnect and resubscribe delays: exponential backoff with full jitter and a cap. */

export interface BackoffOptions {
  /** Ceiling of the first delay (ms). Default 250. */
  initialMs?: number;
  /** Largest ceiling (ms). Default 20 000. */
  maxMs?: number;
}

/** How long something must have stayed up before the next failure starts the backoff over. */
export const STABLE_MS = 10_000;

/**
 * Full jitter: uniform in [0, min(maxMs, initialMs * 2^attempt)). Spreading retries over the whole
 * range keeps many clients that lost the same gateway from coming back in step.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, initialMs * 2 ** attempt));
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private attempt = 0;
  private upSince: number | undefined;

  constructor(options: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.initialMs = options.initialMs ?? 250;
    this.maxMs = options.maxMs ?? 20_000;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new RangeError('backoff: need 0 < initialMs <= maxMs');
    }
  }

  /** Marks the start of a success (connected, subscribed) at `now` (ms, monotonic). */
  up(now: number): void {
    this.upSince = now;
  }

  /**
   * Delay before the next attempt, after a failure at `now`. The attempt count starts over only
   * when the last success lasted STABLE_MS: a gateway that accepts and at once drops a client
   * must not see it come back at the first, shortest delays forever.
   */
  next(now: number): number {
    if (this.upSince !== undefined && now - this.upSince >= STABLE_MS) this.attempt = 0;
    this.upSince = undefined;
    const delay = backoffDelay(this.attempt, this.initialMs, this.maxMs, this.random);
    // Stop counting once the cap is reached (2^attempt would overflow to Infinity eventually).
    if (this.initialMs * 2 ** this.attempt < this.maxMs) this.attempt++;
    return delay;
  }
}
