/**
 * A channel's recent publications, in sequence order (pure). It serves resumes and rewinds without a
 * JetStream read when it covers them: it holds every publication of the channel after `coveredFrom - 1`.
 */
export interface Sequenced {
  seq: number;
}

export class RecentWindow<T extends Sequenced> {
  private readonly items: (T | undefined)[];
  private head = 0; // index of the oldest item
  private count = 0;
  private covered: number;

  /** @param startSeq the channel's position when it started: everything after it is held. */
  constructor(readonly capacity: number, startSeq: number) {
    this.items = new Array<T | undefined>(capacity);
    this.covered = startSeq + 1;
  }

  get size(): number {
    return this.count;
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
    if (this.count === this.capacity) {
      const evicted = this.items[this.head] as T;
      this.covered = evicted.seq + 1;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
  }

  /** True when every publication with a sequence >= fromSeq is held (or none exists yet). */
  covers(fromSeq: number): boolean {
    return fromSeq >= this.covered;
  }

  /** Held publications with fromSeq <= seq <= toSeq, in order. */
  range(fromSeq: number, toSeq: number): T[] {
    const out: T[] = [];
    for (let i = this.lowerBound(fromSeq); i < this.count; i++) {
      const item = this.items[(this.head + i) % this.capacity] as T;
      if (item.seq > toSeq) break;
      out.push(item);
    }
    return out;
  }

  /** The last n held publications (fewer when fewer are held). */
  last(n: number): T[] {
    const out: T[] = [];
    for (let i = Math.max(0, this.count - n); i < this.count; i++) out.push(this.items[(this.head + i) % this.capacity] as T);
    return out;
  }

  private lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.items[(this.head + mid) % this.capacity] as T).seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
