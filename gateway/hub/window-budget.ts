/**
 * The gateway-wide budget for the bytes all recent windows hold (pure). Windows charge what they
 * push and release what they drop; past the budget, the windows pushed to least recently give up
 * their oldest entries first, so quiet channels pay before busy ones, and a resume from further
 * back reads JetStream instead (still exact: a window only ever covers less).
 */

/** What the budget needs of a window: drop its oldest entry (false when it holds none). */
export interface Reclaimable {
  dropOldest(): boolean;
}

export class WindowBudget {
  private held = 0;
  /** Windows holding bytes, least recently charged first (a Map keeps insertion order). */
  private readonly order = new Map<Reclaimable, number>();

  /** @param limit most bytes all windows may hold together (0: no window holds anything). */
  constructor(readonly limit: number) {}

  /** Bytes held by every window together. */
  get bytes(): number {
    return this.held;
  }

  /** Windows holding bytes. */
  get windows(): number {
    return this.order.size;
  }

  /** A window pushed an entry of `bytes`; past the budget, older entries are dropped. */
  charge(w: Reclaimable, bytes: number): void {
    const own = this.order.get(w) ?? 0;
    this.order.delete(w);
    this.order.set(w, own + bytes);
    this.held += bytes;
    if (this.held > this.limit) this.reclaim();
  }

  /** A window dropped `bytes` (an eviction, or its channel went away). */
  release(w: Reclaimable, bytes: number): void {
    const own = this.order.get(w);
    if (own === undefined) return;
    this.held -= bytes;
    if (own - bytes <= 0) this.order.delete(w);
    else this.order.set(w, own - bytes);
  }

  private reclaim(): void {
    // The most recently charged window comes last: it gives up its own entries only when every
    // other window is empty.
    for (const w of this.order.keys()) {
      while (this.held > this.limit && w.dropOldest());
      if (this.held <= this.limit) return;
    }
  }
}
