/**
 * A channel's recent publications, in sequence order (pure). It serves resumes and rewinds without a
 * JetStream read when it covers them: it holds every publication of the channel after `coveredFrom - 1`.
 *
 * Memory follows use: the ring starts empty and doubles as publications arrive, up to `capacity`
 * slots, and halves again when entries are dropped, so a quiet or idle channel costs next to
 * nothing. With a WindowBudget, every entry's bytes are charged to the gateway-wide budget, which
 * may take the oldest entries back (`dropOldest`); the window then simply covers less.
 */
import type { Reclaimable, WindowBudget } from './window-budget.js';

export interface Sequenced {
  seq: number;
  /** Estimated memory an entry holds (charged to the budget); 0 when absent. */
  readonly bytes?: number;
}

/** Slots a window allocates first, and the fewest it shrinks to while it holds anything. */
const MIN_SLOTS = 8;

export class RecentWindow<T extends Sequenced> implements Reclaimable {
  private items: (T | undefined)[] = [];
  private head = 0; // index of the oldest item
  private count = 0;
  private covered: number;
  private held = 0;

  /** @param startSeq the channel's position when it started: everything after it is held. */
  constructor(readonly capacity: number, startSeq: number, private readonly budget?: WindowBudget) {
    this.covered = startSeq + 1;
  }

  get size(): number {
    return this.count;
  }

  /** Estimated bytes of the entries held. */
  get bytes(): number {
    return this.held;
  }

  /** Slots allocated (memory use, for tests). */
  get slots(): number {
    return this.items.length;
  }

  /** The lowest sequence from which the window holds every publication of the channel. */
  get coveredFrom(): number {
    return this.covered;
  }

  push(item: T): void {
    if (this.capacity === 0) {
      this.covered = item.seq + 1;
      return;
    }
    if (this.count === this.capacity) this.dropOldest();
    if (this.count === this.items.length) this.resize(Math.min(this.capacity, Math.max(MIN_SLOTS, this.items.length * 2)));
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
    const bytes = item.bytes ?? 0;
    this.held += bytes;
    this.budget?.charge(this, bytes);
  }

  /** Gives up the oldest entry (the window then covers from the one after it). */
  dropOldest(): boolean {
    if (this.count === 0) return false;
    const oldest = this.at(0);
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    this.covered = oldest.seq + 1;
    const bytes = oldest.bytes ?? 0;
    this.held -= bytes;
    this.budget?.release(this, bytes);
    if (this.count === 0) {
      this.items = [];
      this.head = 0;
    } else if (this.items.length > MIN_SLOTS && this.count <= this.items.length / 4) {
      this.resize(Math.max(MIN_SLOTS, Math.floor(this.items.length / 2)));
    }
    return true;
  }

  /** Drops everything (the channel went away): the budget gets the bytes back. */
  clear(): void {
    while (this.dropOldest());
  }

  /** True when every publication with a sequence >= fromSeq is held (or none exists yet). */
  covers(fromSeq: number): boolean {
    return fromSeq >= this.covered;
  }

  /** Held publications with fromSeq <= seq <= toSeq, in order. */
  range(fromSeq: number, toSeq: number): T[] {
    const out: T[] = [];
    for (let i = this.lowerBound(fromSeq); i < this.count; i++) {
      const item = this.at(i);
      if (item.seq > toSeq) break;
      out.push(item);
    }
    return out;
  }

  /** The last n held publications (fewer when fewer are held). */
  last(n: number): T[] {
    const out: T[] = [];
    for (let i = Math.max(0, this.count - n); i < this.count; i++) out.push(this.at(i));
    return out;
  }

  private at(i: number): T {
    return this.items[(this.head + i) % this.items.length] as T;
  }

  /** Moves the entries, oldest first, into a ring of `slots`. */
  private resize(slots: number): void {
    const next = new Array<T | undefined>(slots);
    for (let i = 0; i < this.count; i++) next[i] = this.at(i);
    this.items = next;
    this.head = 0;
  }

  private lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
