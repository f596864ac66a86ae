/**
 * Per-cause rate limit of log lines, so that no client can flood the logs: at most `perInterval`
 * lines of one cause (a line's message) per interval, counted from the cause's first line; the rest
 * are suppressed and counted, and once the interval is over `report` hands back how many, for one
 * "suppressed N lines" line per cause. Pure: the caller passes the clock and owns the timer.
 * Causes are messages written in the code, so few; past MAX_CAUSES they share one.
 */

export const MAX_CAUSES = 1_000;
export const OTHER_CAUSE = '(other causes)';

export interface Suppressed {
  cause: string;
  suppressed: number;
}

interface Window {
  start: number;
  written: number;
  suppressed: number;
}

export class LogLimiter {
  private readonly windows = new Map<string, Window>();
  private due: Suppressed[] = [];

  constructor(private readonly perInterval: number, private readonly intervalMs: number) {}

  /** One line of `cause` at `now` (ms): true when it is to be written. */
  admit(cause: string, now: number): boolean {
    if (!this.windows.has(cause) && this.windows.size >= MAX_CAUSES) cause = OTHER_CAUSE;
    let w = this.windows.get(cause);
    if (w && now - w.start >= this.intervalMs) {
      this.close(cause, w);
      w = undefined;
    }
    if (!w) {
      w = { start: now, written: 0, suppressed: 0 };
      this.windows.set(cause, w);
    }
    if (w.written < this.perInterval) {
      w.written++;
      return true;
    }
    w.suppressed++;
    return false;
  }

  /** When the earliest interval holding suppressed lines ends: 0 when one is due already, undefined when none. */
  nextReportAt(): number | undefined {
    if (this.due.length > 0) return 0;
    let at: number | undefined;
    for (const w of this.windows.values()) {
      const end = w.start + this.intervalMs;
      if (w.suppressed > 0 && (at === undefined || end < at)) at = end;
    }
    return at;
  }

  /** The causes whose intervals ended by `now` with lines suppressed, and how many; each once. */
  report(now: number): Suppressed[] {
    for (const [cause, w] of this.windows) if (now - w.start >= this.intervalMs) this.close(cause, w);
    const due = this.due;
    this.due = [];
    return due;
  }

  private close(cause: string, w: Window): void {
    this.windows.delete(cause);
    if (w.suppressed > 0) this.due.push({ cause, suppressed: w.suppressed });
  }
}
