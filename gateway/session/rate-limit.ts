/**
 * Message rate limit of one connection: a token bucket (`ratePerSec` refill, `burst` size). Pure:
 * the caller passes the clock. A client that keeps sending while limited is told so message by
 * message; one that sends a whole burst's worth into a limit is shut out.
 */

export type Verdict = 'accept' | 'refuse' | 'close';

export class RateLimiter {
  private tokens: number;
  private refusedInRow = 0;

  constructor(private readonly ratePerSec: number, private readonly burst: number, private last: number) {
    this.tokens = burst;
  }

  /** One message at time `now` (ms): accept it, refuse it, or close the connection. */
  check(now: number): Verdict {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.ratePerSec) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInRow = 0;
      return 'accept';
    }
    return ++this.refusedInRow >= this.burst ? 'close' : 'refuse';
  }
}
