/**
 * A rate limit: a token bucket (`ratePerSec` refill, `burst` size), for a connection's messages and
 * for channel creations (per connection and per process). Pure: the caller passes the clock. A message past the limit is refused (the client is told); refusals
 * are counted in a second bucket that drains at the same rate, and when it holds `burst` — a flood,
 * or a client sending well over twice the rate for a while — the connection is closed.
 */

export type Verdict = 'accept' | 'refuse' | 'close';

export class RateLimiter {
  private tokens: number;
  private refused = 0;

  constructor(private readonly ratePerSec: number, private readonly burst: number, private last: number) {
    this.tokens = burst;
  }

  /** One message at time `now` (ms): accept it, refuse it, or close the connection. */
  check(now: number): Verdict {
    const earned = (Math.max(0, now - this.last) * this.ratePerSec) / 1000;
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.burst, this.tokens + earned);
    this.refused = Math.max(0, this.refused - earned);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'accept';
    }
    return ++this.refused >= this.burst ? 'close' : 'refuse';
  }
}
