/**
 * Gap detection on the live path (pure). RePublish is at-most-once core NATS, so every live message
 * is checked against what the channel last delivered: its Nats-Last-Sequence (the previous sequence
 * of the same subject) must be the last sequence seen on that subject, or, for a subject not seen
 * since the channel started, at or below the position the channel started from.
 */

export type Verdict = 'deliver' | 'duplicate' | 'gap';

/** Subjects remembered per wildcard channel; forgetting one only costs a spurious gap check. */
const MAX_SUBJECTS = 10_000;

export class GapDetector {
  private readonly bySubject = new Map<string, number>();
  private floor: number;
  private last: number;

  /**
   * @param startSeq the stream position the channel started from
   * @param subject  for a single-subject channel, that subject (its last sequence is startSeq)
   */
  constructor(startSeq: number, subject?: string) {
    this.floor = startSeq;
    this.last = startSeq;
    if (subject !== undefined) this.bySubject.set(subject, startSeq);
  }

  /** Sequence of the last publication accepted. */
  get lastSeq(): number {
    return this.last;
  }

  check(subject: string, seq: number, prev: number): Verdict {
    if (seq <= this.last) return 'duplicate';
    const known = this.bySubject.get(subject);
    if (known !== undefined) return prev === known ? 'deliver' : 'gap';
    // Nats-Last-Sequence 0 means "previous unknown" (first ever, or deleted/trimmed): at or below
    // the floor either way, so nothing after the floor was missed on this subject.
    return prev <= this.floor ? 'deliver' : 'gap';
  }

  /** Records a publication as delivered (from the live path or from a JetStream read). */
  accept(subject: string, seq: number): void {
    if (seq <= this.last) return;
    this.last = seq;
    if (!this.bySubject.has(subject) && this.bySubject.size >= MAX_SUBJECTS) {
      // Raise the floor to what was forgotten so unseen subjects keep being checked soundly.
      const oldest = this.bySubject.keys().next().value as string;
      this.floor = Math.max(this.floor, this.bySubject.get(oldest) ?? 0);
      this.bySubject.delete(oldest);
    }
    this.bySubject.delete(subject);
    this.bySubject.set(subject, seq);
  }
}
