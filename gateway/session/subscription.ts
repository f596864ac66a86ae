/**
 * One client's subscription to one channel: replay what the client missed (from the channel's
 * window, else JetStream, following the socket's pace), then join the channel's fan-out topic in
 * the same synchronous step as the last window catch-up, so nothing is missed or sent twice.
 */
import { UnsubscribeCode } from '../../proto/codes.js';
import { topicOf, type Channel } from '../hub/channel.js';
import type { Member } from '../hub/hub.js';
import type { Pub } from '../hub/publication.js';
import type { HistoryReader, StartAt } from '../history/reader.js';
import { headerPicker } from '../history/reader.js';
import type { SessionIo } from './session-io.js';

/** Where replay starts: a sequence (from the window or JetStream), or a JetStream-only start. */
export type ReplayFrom = { seq: number } | { start: StartAt };

/** Publications per WebSocket message during replay. */
const REPLAY_BATCH = 256;

export class ClientSubscription implements Member {
  state: 'replaying' | 'live' | 'closed' = 'replaying';
  /** Sequence of the last publication sent to the client. */
  private sent = 0;

  constructor(
    readonly channel: Channel,
    private readonly io: SessionIo,
    private readonly reader: HistoryReader,
  ) {}

  private get topic(): string {
    return topicOf(this.io.format, this.channel.name);
  }

  /** Joins the fan-out at once: the client gets what follows the channel's flushed position. */
  goLive(): void {
    if (this.state !== 'replaying') return;
    this.state = 'live';
    this.io.conn.subscribe(this.topic);
  }

  /** Replays from a position, then goes live. Resolves when live (or closed); throws on JetStream failure. */
  async replay(from: ReplayFrom): Promise<void> {
    const ch = this.channel;
    let next: number;
    if ('start' in from) {
      const until = ch.flushedSeq;
      next = until + 1;
      for await (const batch of this.reader.read({ stream: ch.stream, filter: ch.ref.subject, start: from.start, untilSeq: until }, headerPicker(ch.ref.namespace.forwardHeaders))) {
        if (this.state !== 'replaying') return;
        await this.send(batch.map((r) => ch.makePub(r)));
      }
      if (this.sent) next = this.sent + 1;
    } else {
      next = from.seq;
    }
    while (this.state === 'replaying') {
      const flushed = ch.flushedSeq;
      if (next > flushed || ch.window.covers(next)) {
        // One synchronous step: the window's tail, then the topic.
        const tail = ch.window.range(next, flushed);
        for (let i = 0; i < tail.length; i += REPLAY_BATCH) this.sendNow(tail.slice(i, i + REPLAY_BATCH));
        this.goLive();
        return;
      }
      const reads = this.reader.read({ stream: ch.stream, filter: ch.ref.subject, start: { seq: next }, untilSeq: flushed }, headerPicker(ch.ref.namespace.forwardHeaders));
      let switched = false;
      for await (const batch of reads) {
        if (this.state !== 'replaying') return;
        await this.send(batch.map((r) => ch.makePub(r)));
        next = this.sent + 1;
        if (ch.window.covers(next)) {
          switched = true;
          break;
        }
      }
      // A complete read covered everything up to `flushed`.
      if (!switched) next = Math.max(next, flushed + 1);
    }
  }

  private sendNow(pubs: Pub[]): void {
    const fresh = pubs.filter((p) => p.seq > this.sent);
    if (fresh.length === 0) return;
    this.io.sendPubs(fresh);
    this.sent = (fresh[fresh.length - 1] as Pub).seq;
  }

  private async send(pubs: Pub[]): Promise<void> {
    for (let i = 0; i < pubs.length; i += REPLAY_BATCH) {
      this.sendNow(pubs.slice(i, i + REPLAY_BATCH));
      await this.io.writable();
      if (this.state !== 'replaying') return;
    }
  }

  /** Ends the subscription on this side (unsubscribe, disconnect). */
  close(): void {
    if (this.state === 'live') this.io.conn.unsubscribe(this.topic);
    this.state = 'closed';
  }

  channelReset(): void {
    this.close();
    this.io.unsubscribed(this.channel.name, UnsubscribeCode.StreamReset, 'the stream behind the channel was recreated', true);
  }
}
