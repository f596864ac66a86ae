/**
 * A channel's join/leave events waiting to be sent together (pure). Events of the same client
 * cancel out: a join then its leave (or a leave then a join again) within one batch leaves the
 * member list as it was, so neither is sent. A subscribe/unsubscribe storm thus costs the channel's
 * other subscribers at most one event per client per batch.
 */

export interface MemberEvent {
  kind: 'join' | 'leave';
  clientId: string;
}

export class EventBatch<E extends MemberEvent> {
  /** Pending events by client, in the order they came. */
  private readonly pending = new Map<string, E>();

  get size(): number {
    return this.pending.size;
  }

  add(e: E): void {
    const prev = this.pending.get(e.clientId);
    this.pending.delete(e.clientId);
    if (prev && prev.kind !== e.kind) return; // cancelled out
    this.pending.set(e.clientId, e);
  }

  /** The events to send now, emptying the batch. */
  take(): E[] {
    const out = [...this.pending.values()];
    this.pending.clear();
    return out;
  }
}
