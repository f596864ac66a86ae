/**
 * One client's subscription to one channel: replay what the client missed (from the channel's
 * window, else JetStream, following the socket's pace), then join the channel's fan-out topic in
 * the same synchronous step as the last window catch-up, so nothing is missed or sent twice.
 * JetStream is read only within turns of the gateway's read budget.
 */
import { UnsubscribeCode } from '../../proto/codes.js';
import { topicOf, type Channel } from '../hub/channel.js';
import type { Member } from '../hub/hub.js';
import type { Pub } from '../hub/publication.js';
import type { HistoryReader, StartAt } from '../history/reader.js';
import { headerPicker } from '../history/reader.js';
import type { ReadTurns } from '../replay/reads.js';
import type { SessionIo } from './session-io.js';

/** Where replay starts: a sequence (from the window or JetStream), or a JetStream-only start. */
export type ReplayFrom = { seq: number } | { start: StartAt };

/** Publications per WebSocket message during replay. */
const REPLAY_BATCH = 256;

/** Publications one turn of the read budget may deliver before the turn goes round the queue again. */
export const TURN_PUBLICATIONS = 4_096;

/** How a read from JetStream ended: all of it sent, caught up with the window, or the subscription ended. */
type ReadEnd = 'done' | 'window' | 'closed';

export class ClientSubscription implements Member {
  state: 'replaying' | 'live' | 'closed' = 'replaying';
  /** Sequence of the last publication sent to the client. */
  private sent = 0;

  constructor(
    readonly channel: Channel,
    private readonly io: SessionIo,
    private readonly reader: HistoryReader,
    /** This subscription's turns at reading JetStream. */
    readonly turns: ReadTurns,
  ) {}

  private get topic(): string {
    return topicOf(this.io.format, this.channel.name);
  }

  /** Whether replaying from here reads JetStream (else the channel's window serves it all). */
  readsJetStream(from: ReplayFrom): boolean {
    return 'start' in from || !this.windowServes(from.seq);
  }

  /** Whether the channel's window holds everything from `seq` to its flushed position. */
  private windowServes(seq: number): boolean {
    return seq > this.channel.flushedSeq || this.channel.window.covers(seq);
  }

  /** Joins the fan-out at once: the client gets what follows the channel's flushed position. */
  goLive(): void {
    if (this.state !== 'replaying') return;
    this.state = 'live';
    this.io.conn.subscribe(this.topic);
  }

  /**
   * Replays from a position, then goes live. Resolves when live (or closed); throws on JetStream
   * failure or a refused turn.
   */
  async replay(from: ReplayFrom): Promise<void> {
    const ch = this.channel;
    let next: number;
    if ('start' in from) {
      const until = ch.flushedSeq;
      const end = await this.readFrom(from.start, until);
      if (end === 'closed') return;
      next = end === 'window' ? this.sent + 1 : Math.max(this.sent + 1, until + 1);
    } else {
      next = from.seq;
    }
    while (this.state === 'replaying') {
      const flushed = ch.flushedSeq;
      if (this.windowServes(next)) {
        // One synchronous step: the window's tail, then the topic.
        const tail = ch.window.range(next, flushed);
        for (let i = 0; i < tail.length; i += REPLAY_BATCH) this.sendNow(tail.slice(i, i + REPLAY_BATCH));
        this.goLive();
        return;
      }
      const end = await this.readFrom({ seq: next }, flushed);
      if (end === 'closed') return;
      next = end === 'window' ? this.sent + 1 : Math.max(this.sent + 1, flushed + 1);
    }
  }

  /**
   * Reads from JetStream up to `until`, one turn at a time: a turn ends (its consumer deleted)
   * when the socket's buffer is past the high-water mark — the wait for it to drain holds no turn —
   * or after TURN_PUBLICATIONS, so a deep replay takes its turns in the fair queue like the others.
   */
  private async readFrom(start: StartAt, until: number): Promise<ReadEnd> {
    const ch = this.channel;
    const pick = headerPicker(ch.ref.namespace.forwardHeaders);
    let at = start;
    for (;;) {
      if (!(await this.turns.begin()) || this.state !== 'replaying') return 'closed';
      let sent = 0;
      let complete = true;
      try {
        for await (const batch of this.reader.read({ stream: ch.stream, filter: ch.ref.subject, start: at, untilSeq: until }, pick)) {
          if (this.state !== 'replaying') return 'closed';
          this.sendNow(batch.map((r) => ch.makePub(r)));
          if (ch.window.covers(this.sent + 1)) return 'window';
          sent += batch.length;
          if (!this.io.canWrite() || sent >= TURN_PUBLICATIONS) {
            complete = false;
            break;
          }
        }
      } finally {
        this.turns.end();
      }
      if (complete) return 'done';
      await this.io.writable();
      if (this.state !== 'replaying') return 'closed';
      at = { seq: this.sent + 1 };
    }
  }

  private sendNow(pubs: Pub[]): void {
    const fresh = pubs.filter((p) => p.seq > this.sent);
    if (fresh.length === 0) return;
    this.io.sendPubs(fresh);
    this.sent = (fresh[fresh.length - 1] as Pub).seq;
  }

  /** Ends the subscription on this side (unsubscribe, disconnect). */
  close(): void {
    if (this.state === 'live') this.io.conn.unsubscribe(this.topic);
    this.state = 'closed';
    this.turns.cancel();
  }

  channelReset(): void {
    this.close();
    this.io.unsubscribed(this.channel.name, UnsubscribeCode.StreamReset, 'the stream behind the channel was recreated', true);
  }
}
