/**
 * Presence lists read from KV, shared (pure: the read and the clock are passed in). Requests for a
 * channel whose list is being read, or was read within `cacheMs`, get that list: one read however
 * many ask. At most `maxRunning` reads (of different channels) run at once; past that a request is
 * refused, so one client asking fast, or for many channels, cannot pile up KV reads.
 */

export interface Shared<V> {
  value: Promise<V>;
  /** True when another request's read answers this one. */
  shared: boolean;
}

interface Running<V> {
  value: Promise<V>;
  /** False once the list changed while it was read: its result is not kept for later requests. */
  keep: boolean;
}

export class SharedReads<V> {
  private readonly running = new Map<string, Running<V>>();
  /** Lists read within cacheMs, oldest first (each is inserted when its read ends). */
  private readonly done = new Map<string, { at: number; value: V }>();

  constructor(private readonly maxRunning: number, private readonly cacheMs: number, private readonly now: () => number = Date.now) {}

  /** Reads under way. */
  get reading(): number {
    return this.running.size;
  }

  /** Lists kept for reuse. */
  get cached(): number {
    return this.done.size;
  }

  /** The list of `key`: shared with a read under way or just done, else read now; undefined when too many reads run. */
  get(key: string, read: () => Promise<V>): Shared<V> | undefined {
    this.prune();
    const cached = this.done.get(key);
    if (cached) return { value: Promise.resolve(cached.value), shared: true };
    const run = this.running.get(key);
    if (run) return { value: run.value, shared: true };
    if (this.running.size >= this.maxRunning) return undefined;
    const entry: Running<V> = { value: read(), keep: this.cacheMs > 0 };
    this.running.set(key, entry);
    const settle = () => {
      if (this.running.get(key) === entry) this.running.delete(key);
    };
    entry.value.then((v) => {
      settle();
      if (entry.keep) this.done.set(key, { at: this.now(), value: v });
    }, settle);
    return { value: entry.value, shared: false };
  }

  /** The list of `key` changed: what was read before is not handed out again. */
  forget(key: string): void {
    this.done.delete(key);
    const run = this.running.get(key);
    if (run) run.keep = false;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, e] of this.done) {
      if (now - e.at < this.cacheMs) break;
      this.done.delete(key);
    }
  }
}
