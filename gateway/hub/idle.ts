/**
 * Channels without subscribers, in the order they went idle (pure). The hub keeps an idle channel
 * a while (a page reload resumes from its window) and removes it once it has been idle long
 * enough, or earlier — oldest idle first — when a new channel needs its room in the budget. One
 * map, no timer per channel: churning connections leave behind no more than the budget allows.
 */
export class IdleQueue<T> {
  /** Item → when it went idle (ms); a Map iterates in insertion order: oldest idle first. */
  private readonly since = new Map<T, number>();

  get size(): number {
    return this.since.size;
  }

  /** The item went idle at `now` (again: it moves to the back). */
  add(item: T, now: number): void {
    this.since.delete(item);
    this.since.set(item, now);
  }

  /** The item is in use again, or gone. */
  delete(item: T): boolean {
    return this.since.delete(item);
  }

  /** The item idle longest. */
  oldest(): T | undefined {
    for (const item of this.since.keys()) return item;
    return undefined;
  }

  /** Items idle for `ms` or more at `now`, oldest first, taken out of the queue. */
  takeExpired(now: number, ms: number): T[] {
    const out: T[] = [];
    for (const [item, t] of this.since) {
      if (now - t < ms) break;
      out.push(item);
    }
    for (const item of out) this.since.delete(item);
    return out;
  }
}
