/**
 * Open-loop send schedule at a fixed rate. Message i is due at start + i / rate; a sender that
 * falls behind sends what is due at once, each message stamped with the time it was due. Latency
 * measured from that intended time includes every stall of the system under test, however long:
 * the correction for coordinated omission (a closed-loop sender would have waited, hiding it).
 */
export class Schedule {
  private sent = 0;

  /**
   * @param rate messages per second
   * @param start microseconds (same clock as the `now` passed to `due`)
   * @param total messages in the run
   */
  constructor(readonly rate: number, readonly start: number, readonly total: number) {
    if (!(rate > 0)) throw new Error('rate must be positive');
  }

  /** Intended send time (µs) of message i. */
  intended(i: number): number {
    return this.start + (i * 1e6) / this.rate;
  }

  /** How many more messages are due at `now` (at most `limit`, never past the total). */
  due(now: number, limit = Number.MAX_SAFE_INTEGER): number {
    const byNow = Math.min(this.total, Math.floor(((now - this.start) * this.rate) / 1e6) + 1);
    return Math.max(0, Math.min(limit, byNow - this.sent));
  }

  /** Index of the next message to send; advances. */
  next(): number {
    return this.sent++;
  }

  get done(): boolean {
    return this.sent >= this.total;
  }

  get count(): number {
    return this.sent;
  }

  /** Microseconds until the next message is due (0 when it already is, Infinity when done). */
  waitFor(now: number): number {
    if (this.done) return Infinity;
    return Math.max(0, this.intended(this.sent) - now);
  }
}
