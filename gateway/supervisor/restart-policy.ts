/**
 * How soon a crashed worker is restarted (pure): at once after an odd crash, then ever later while
 * crashes keep coming (NATS unreachable, a bad deploy), so a crash loop does not spin the CPU.
 */

export interface RestartPolicyOptions {
  /** Delay after the second crash within `windowMs`; it doubles with each further one. */
  baseMs: number;
  maxMs: number;
  /** Crashes older than this are forgotten. */
  windowMs: number;
}

const DEFAULTS: RestartPolicyOptions = { baseMs: 250, maxMs: 30_000, windowMs: 60_000 };

export class RestartPolicy {
  private crashes: number[] = [];
  private readonly opts: RestartPolicyOptions;

  constructor(options: Partial<RestartPolicyOptions> = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  /** Records a crash at `now` (ms); returns the delay before the restart. */
  next(now: number): number {
    const { baseMs, maxMs, windowMs } = this.opts;
    this.crashes = this.crashes.filter((t) => now - t < windowMs);
    this.crashes.push(now);
    const recent = this.crashes.length;
    if (recent === 1) return 0;
    return Math.min(maxMs, baseMs * 2 ** Math.min(recent - 2, 30));
  }
}
